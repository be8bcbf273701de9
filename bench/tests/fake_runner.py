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
  known    one frame of known values: raw 1000 + i, overhead 7 subtracted
           (the harness must keep exactly raw - 7, and overhead=7)
  liar     a stream that is wrong in the way `lie` says (see LIES)
Units and counters follow the platform ($FAKE_PLATFORM, default virt) and
mode as the real targets do.  Every start is appended to $FAKE_LOG when set.
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
    "known": COMMON,
    # linux-virt boot groups (fake_linux_virt.py): a kernel panic, a RUN line
    # with other words than asked, console numbers of 5000 digits
    "panic": COMMON,
    "swap": COMMON,
    "hugeend": COMMON,
    "hugerun": COMMON,
}
# Each a realistic way for a target to lie or break (issue 11); the harness
# must fail the run, with a reason, and carry on with the sweep.
LIES = {
    "drop": "a sample dropped, samples=, count and CRC all consistent with it",
    "repeat": "the m1 frame printed twice",
    "unit": "a unit the platform cannot produce",
    "counter": "a counter the platform does not use for its unit",
    "empty": "an empty frame (samples=0, count=0)",
    "big": "a sample just beyond int64",
    "giant": "a sample of 100000 digits",
    "garbage": "random bytes inside a frame",
    "nul": "a NUL inside a sample line",
    "utf8": "a BEGIN line cut in the middle of a UTF-8 sequence",
    "longline": "a BEGIN line of 100 KiB",
    "v1": "a version 1 stream (no promise, no header CRC)",
    "swap": "m2's BEGIN line over m1's samples and m1's CRC",
    "extra": "a parameter the run did not ask for",
    "flood": "a frame that promises 5 samples and prints 200000",
}
REGISTRY["liar"] = COMMON + ",lie:" + "|".join(LIES) + ":drop"


def begin_line(header, promised):
    return "IPCLAB v2 BEGIN " + " ".join(f"{k}={v}" for k, v in header.items()) \
        + f" samples={promised}"


def frame_text(header, samples, crc=None, promised=None, begin=None):
    """One v2 frame, written here independently of the harness's own code."""
    texts = [str(v) for v in samples]
    begin = begin or begin_line(header, len(texts) if promised is None else promised)
    body = begin + "\n" + "".join(f"{t}\n" for t in texts)
    crc = crc or f"{zlib.crc32(body.encode()):08x}"
    return (begin + "\n" + "".join(f"S {t}\n" for t in texts)
            + f"IPCLAB v2 END count={len(texts)} crc32={crc}\n")


UNIT = {("virt", "exact"): ("instructions", "pmccntr"), ("virt", "timed"): ("cycles", "pmccntr"),
        ("linux", "timed"): ("ns", "tsc"), ("linux-virt", "exact"): ("instructions", "cntvct"),
        ("linux-virt", "timed"): ("ns", "cntvct")}


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
            out(f"IPCLAB v2 WORKLOAD name={name} params={params}\n")
        out("IPCLAB v2 DONE status=ok\n")
        return 0
    if wl not in REGISTRY:
        out(f"IPCLAB v2 ERROR unknown workload {wl}\nIPCLAB v2 DONE status=fail\n")
        return 1
    n = int(kv.get("iterations", 20))
    seed = int(kv.get("seed", 1))
    params = " ".join(f"{k}={v}" for k, v in kv.items())

    unit, counter = UNIT.get((plat, mode), ("instructions", "pmccntr"))

    def head(metric, overhead=4):
        return {"workload": wl, "metric": metric, "unit": unit, "counter": counter,
                "mode": mode, "platform": plat, "overhead": str(overhead), "per": "1", **kv}

    out("IPCLAB v2 INFO cpu=fake-a53\n")
    if wl == "known":
        raw = [1000 + i for i in range(n)]
        out(frame_text(head("m", overhead=7), [r - 7 for r in raw]))
        out("IPCLAB v2 DONE status=ok\n")
        return 0
    if wl == "liar":
        return lie(kv["lie"], head, seed, n)
    if wl == "crash":
        text = frame_text(head("m1"), samples(seed, n, 1))
        out(text[: len(text) // 2])
        os.kill(os.getpid(), signal.SIGSEGV)
    if wl == "hang":
        text = frame_text(head("m1"), samples(seed, n, 1))
        out(text[: len(text) // 2])
        time.sleep(3600)
    if wl == "error":
        out("IPCLAB v2 ERROR overhead unstable: 3 tries differ\nIPCLAB v2 DONE status=fail\n")
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
    out("IPCLAB v2 DONE status=ok\n")
    return 0


def lie(how, head, seed, n):
    """A stream that is wrong in one way (LIES), otherwise like echo's."""
    a, b = samples(seed, n, 1), samples(seed, n, 2)
    h1, h2 = head("m1"), head("m2")
    frames = None
    if how == "drop":
        frames = [frame_text(h1, a[:-1]), frame_text(h2, b)]
    elif how == "repeat":
        frames = [frame_text(h1, a), frame_text(h2, b), frame_text(h1, a)]
    elif how == "unit":
        frames = [frame_text(dict(h1, unit="instructions" if h1["unit"] != "instructions"
                                  else "ns"), a)]
    elif how == "counter":
        frames = [frame_text(dict(h1, counter="perf_cycles"), a)]
    elif how == "empty":
        frames = [frame_text(h1, [])]
    elif how == "big":
        frames = [frame_text(h1, a[:-1] + [1 << 63])]
    elif how == "giant":
        # (the CRC is of the 7, so only the digit limit can be what rejects it)
        frames = [frame_text(h1, a[:-1] + [7]).replace("S 7\n", "S " + "9" * 100000 + "\n")]
    elif how == "garbage":
        t = frame_text(h1, a)
        i = t.index("S ")
        sys.stdout.buffer.write(t[:i].encode() + b"S 3\xff\xfe\x00\x80\n" + t[i:].encode())
        frames = []
    elif how == "nul":
        t = frame_text(h1, a)
        frames = [t.replace(f"S {a[0]}\n", f"S {a[0]}\0\n", 1)]
    elif how == "utf8":
        t = frame_text(dict(h1, words="\u00e9t\u00e9"), a)
        sys.stdout.buffer.write(t.encode()[:t.encode().index("\u00e9t".encode()) + 1] + b"\n")
        frames = [frame_text(h2, b)]
    elif how == "longline":
        frames = [frame_text(dict(h1, pad="x" * 100000), a), frame_text(h2, b)]
    elif how == "v1":
        t = frame_text(h1, a).replace("IPCLAB v2 ", "IPCLAB v1 ")
        out(t + "IPCLAB v1 DONE status=ok\n")
        return 0
    elif how == "swap":
        t1, t2 = frame_text(h1, a), frame_text(h2, b)
        frames = [t2.splitlines(keepends=True)[0] + "".join(t1.splitlines(keepends=True)[1:])]
    elif how == "extra":
        frames = [frame_text(dict(h1, colour="red"), a)]
    elif how == "flood":
        frames = [begin_line(h1, 5) + "\n" + "S 1\n" * 200000
                  + "IPCLAB v2 END count=5 crc32=00000000\n"]
    for f in frames:
        out(f)
    out("IPCLAB v2 DONE status=ok\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
