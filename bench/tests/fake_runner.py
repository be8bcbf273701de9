#!/usr/bin/python3
"""A fake platform for the harness tests: takes key=value words like the real
runners and prints a result stream (bench/FORMAT.md), good or broken on purpose.

Workloads:
  echo     two frames (metrics m1, m2) of samples derived from seed, with
           console noise between and inside frames
  crash    half a frame, then dies of SIGSEGV
  hang     half a frame, then sleeps forever (the harness must time it out)
  flaky    a wrong CRC on its first run for given words, good afterwards
           (remembered in $FAKE_STATE_DIR)
  error    an ERROR line and DONE status=fail
  stop     sends SIGTERM to its parent (the harness) on its first run, as a
           user pressing Ctrl-C would; good afterwards ($FAKE_STATE_DIR)
Every start is appended to $FAKE_LOG when set.
"""

import hashlib
import os
import signal
import sys
import time
import zlib

COMMON = "iterations:1:100000:20,warmup:0:1000:0,seed:0:4294967295:1"
REGISTRY = {
    "echo": COMMON + ",variant:a|b:a,words:0:512:0",
    "crash": COMMON,
    "hang": COMMON,
    "flaky": COMMON,
    "error": COMMON,
    "stop": COMMON,
}


def frame_text(header, samples, crc=None):
    """One frame, written here independently of the harness's own code."""
    body = "".join(f"{v}\n" for v in samples)
    crc = crc or f"{zlib.crc32(body.encode()):08x}"
    head = " ".join(f"{k}={v}" for k, v in header.items())
    return (f"IPCLAB v1 BEGIN {head}\n" + "".join(f"S {v}\n" for v in samples)
            + f"IPCLAB v1 END count={len(samples)} crc32={crc}\n")


def out(text):
    sys.stdout.write(text)
    sys.stdout.flush()


def first_time(words):
    d = os.environ.get("FAKE_STATE_DIR")
    if not d:
        return True
    mark = os.path.join(d, hashlib.sha256(" ".join(words).encode()).hexdigest())
    if os.path.exists(mark):
        return False
    open(mark, "w").close()
    return True


def samples(seed, n, salt):
    x = (seed * 2654435761 + salt) & 0xffffffff
    res = []
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0x7fffffff
        res.append(300 + x % 40)
    return res


def main(words):
    if os.environ.get("FAKE_LOG"):
        with open(os.environ["FAKE_LOG"], "a") as f:
            f.write(" ".join(words) + "\n")
    kv = dict(w.split("=", 1) for w in words)
    wl = kv.pop("workload")
    mode = kv.pop("mode", "exact")
    plat = os.environ.get("FAKE_PLATFORM", "virt")
    out("Booting fake ipclab...\n")
    if wl == "list":
        for name, params in REGISTRY.items():
            out(f"IPCLAB v1 WORKLOAD name={name} params={params}\n")
        out("IPCLAB v1 DONE status=ok\n")
        return 0
    if wl not in REGISTRY:
        out(f"IPCLAB v1 ERROR unknown workload {wl}\nIPCLAB v1 DONE status=fail\n")
        return 1
    n = int(kv.get("iterations", 20))
    seed = int(kv.get("seed", 1))
    params = " ".join(f"{k}={v}" for k, v in kv.items())

    def head(metric):
        return {"workload": wl, "metric": metric, "unit": "instructions", "counter": "pmccntr",
                "mode": mode, "platform": plat, "overhead": "4", "per": "1", **kv}

    out("IPCLAB v1 INFO cpu=fake-a53\n")
    if wl == "crash":
        text = frame_text(head("m1"), samples(seed, n, 1))
        out(text[: len(text) // 2])
        os.kill(os.getpid(), signal.SIGSEGV)
    if wl == "hang":
        text = frame_text(head("m1"), samples(seed, n, 1))
        out(text[: len(text) // 2])
        time.sleep(3600)
    if wl == "error":
        out("IPCLAB v1 ERROR overhead unstable: 3 tries differ\nIPCLAB v1 DONE status=fail\n")
        return 1
    if wl == "stop" and first_time(words):
        os.kill(os.getppid(), signal.SIGTERM)
        time.sleep(3600)
    crc = None
    if wl == "flaky" and first_time(words):
        crc = "00000000"
    m1 = frame_text(head("m1"), samples(seed, n, 1), crc=crc).splitlines(keepends=True)
    m1.insert(3, "console: a task said hello\n")          # noise inside a frame
    out("".join(m1))
    out("[kernel] noise between frames\n")
    out(frame_text(head("m2"), samples(seed, n, 2)))
    out("IPCLAB v1 DONE status=ok\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
