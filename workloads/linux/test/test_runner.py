"""Behaviour tests of the Linux runner (build/linux/ipclab-linux).

Each baseline runs a short exchange (every message's content and order is
checked by the runner itself); its stream must parse with the harness's own
parser (bench/stream.py): one frame accepted (count and CRC-32 right), DONE
ok, exit 0. Deliberate faults (IPCLAB_DEBUG_CORRUPT)
must make a run fail loudly, and bad words must be refused with a message
naming the problem. No test looks at a timing.

    PYTHONPATH=. /usr/bin/python3 workloads/linux/test/test_runner.py build/linux/ipclab-linux

(from the repository root: the stream is parsed by `bench.stream`, the
registry by `bench.registry`, so these tests follow the stream's version).
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys

from bench import registry, stream


class Failure(Exception):
    """A run (or its stream) is not what it should be."""


def parse(text):
    """The harness's parse of a capture (never raises)."""
    return stream.parse(text)


class Runner:
    def __init__(self, binary, quick=False):
        self.binary = binary
        self.quick = quick
        self.count = 0

    def run(self, words, env=None):
        e = dict(os.environ)
        e.pop("IPCLAB_DEBUG_CORRUPT", None)
        e.pop("IPCLAB_WATCHDOG_S", None)
        e.update(env or {})
        p = subprocess.run([self.binary] + words.split(), capture_output=True, text=True,
                           env=e, timeout=120)
        self.count += 1
        return p

    def all(self, calls):
        """Run checks side by side (runs are independent; no timing is judged)."""
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            for f in [pool.submit(fn, *a) for fn, *a in calls]:
                f.result()

    def ok(self, words, iterations=200, metric="rtt", per=1, perf=True):
        words = f"{words} iterations={iterations} warmup=10"
        p = self.run(words)
        where = f"`{words}`"
        if p.returncode != 0:
            raise Failure(f"{where}: exit {p.returncode}\n{p.stdout}{p.stderr}")
        cap = parse(p.stdout)
        if not cap.ok or len(cap.frames) != 1:
            raise Failure(f"{where}: bench/stream.py: problems={cap.problems} done={cap.done} "
                          f"frames={len(cap.frames)}")
        frame, info = cap.frames[0], cap.info
        h = frame.header
        for k, v in (("metric", metric), ("unit", "ns"), ("platform", "linux"), ("mode", "timed"),
                     ("iterations", str(iterations)), ("per", str(per))):
            if h.get(k) != v:
                raise Failure(f"{where}: BEGIN has {k}={h.get(k)}, expected {v}")
        for w in words.split():
            k, v = w.split("=", 1)
            if h.get(k) != v:
                raise Failure(f"{where}: BEGIN has {k}={h.get(k)}, expected {v}")
        if len(frame.samples) != iterations:
            raise Failure(f"{where}: {len(frame.samples)} samples")
        if any(s <= 0 for s in frame.samples):
            raise Failure(f"{where}: a round trip took no time")
        for k in ("host_cpu", "timer_hz") + (("sw_context_switches",) if perf else ()):
            if k not in info:
                raise Failure(f"{where}: no INFO {k}")
        if not perf:   # one process and no task (null_syscall): no perf counters opened
            return
        if "perf_hw" not in info:
            raise Failure(f"{where}: INFO does not say whether perf_hw works")

    def fails(self, words, pattern, env=None, status=None):
        p = self.run(words, env)
        where = f"`{words}` {env or ''}"
        if p.returncode == 0:
            raise Failure(f"{where}: exit 0, expected a failure\n{p.stdout}")
        if status is not None and p.returncode != status:
            raise Failure(f"{where}: exit {p.returncode}, expected {status}")
        cap = parse(p.stdout)
        if cap.done != "fail" or not cap.errors:
            raise Failure(f"{where}: expected ERROR and DONE status=fail\n{p.stdout}")
        if cap.frames:
            raise Failure(f"{where}: a failed run printed a frame")
        # Everything but the ERROR and DONE lines must still be well-formed.
        bad = [x for x in cap.problems if " ERROR " not in x and "DONE status=fail" not in x]
        if bad:
            raise Failure(f"{where}: malformed stream: {bad}")
        if not re.search(pattern, cap.errors[0]):
            raise Failure(f"{where}: ERROR {cap.errors[0]!r} does not match {pattern!r}")


BASELINES = ["pipe", "fifo", "unix_stream", "unix_dgram", "eventfd", "futex", "mq"]


def test_baselines(r):
    if r.quick:
        r.all([(r.ok, f"workload={w} size=100", 50) for w in BASELINES])
        return
    calls = []
    for w in BASELINES:
        for placement in ("cross", "same"):
            calls.append((r.ok, f"workload={w} placement={placement} size=64"))
        calls.append((r.ok, f"workload={w} size=1"))
        calls.append((r.ok, f"workload={w} size=8192 seed=99", 20))
    for w in ("pipe", "fifo", "unix_stream", "unix_dgram", "eventfd", "futex"):
        calls.append((r.ok, f"workload={w} size=65536", 10))
    calls.append((r.ok, "workload=pipe size=100 timer=clock_gettime"))
    calls.append((r.ok, "workload=pipe mode=timed"))
    r.all(calls)


def test_ring(r):
    if r.quick:
        r.all([(r.ok, f"workload=ring_pingpong {wake} size=64", 50)
               for wake in ("wake=poll", "waker=futex", "waker=eventfd")])
        return
    calls = []
    for variant in ("naive", "cached", "batched", "mpsc", "mpmc", "stamped"):
        calls.append((r.ok, f"workload=ring_pingpong variant={variant} wake=poll size=64"))
        for waker in ("futex", "eventfd"):
            if variant == "mpmc":
                continue   # the library refuses a sleeping MPMC ring (test_bad_words)
            for wake in ("every", "transition", "announce"):
                calls.append((r.ok, f"workload=ring_pingpong variant={variant} wake={wake} "
                              f"waker={waker} size=64"))
        calls.append((r.ok, f"workload=ring_pingpong variant={variant} wake=poll size=4096", 20))
    for wake in ("wake=poll", "waker=futex", "waker=eventfd"):
        calls.append((r.ok, f"workload=ring_pingpong {wake} placement=same size=8"))
    for waker in ("futex", "eventfd"):
        calls.append((r.ok, f"workload=ring_pingpong waker={waker} spin=20000 size=64"))
    r.all(calls)


VARIANTS = ["naive", "cached", "batched", "mpsc", "mpmc", "stamped"]


def test_throughput(r):
    """Every variant's 8-byte path between two processes, both placements;
    odd sample sizes, bursts and a small ring make samples end mid-burst."""
    if r.quick:
        r.all([(r.ok, f"workload=ring_throughput variant={v} msgs=100", 20, "batch", 100)
               for v in VARIANTS])
        return
    calls = []
    for v in VARIANTS:
        for placement in ("cross", "same"):
            calls.append((r.ok, f"workload=ring_throughput variant={v} placement={placement} "
                          f"msgs=500", 50, "batch", 500))
        calls.append((r.ok, f"workload=ring_throughput variant={v} msgs=77 capacity=8 "
                      f"burst=5 backoff=0", 50, "batch", 77))
    calls.append((r.ok, "workload=ring_throughput variant=naive capacity=5 msgs=33", 30,
                  "batch", 33))
    for v in ("cached", "stamped"):
        calls.append((r.ok, f"workload=ring_throughput variant={v} handle=attached msgs=77 "
                      f"capacity=8", 50, "batch", 77))
    r.all(calls)


def test_reference(r):
    """The benchmark's reference queue (refq.h): throughput and ping-pong,
    both placements, a small ring that wraps, sizes not a multiple of 8."""
    calls = [(r.ok, "workload=ref_throughput msgs=500", 50, "batch", 500),
             (r.ok, "workload=ref_throughput placement=same msgs=77 capacity=8 backoff=0", 50,
              "batch", 77),
             (r.ok, "workload=ref_pingpong size=8"),
             (r.ok, "workload=ref_pingpong size=4096", 20),
             (r.ok, "workload=ring64_pingpong variant=cached"),
             (r.ok, "workload=ring64_pingpong variant=stamped placement=same")]
    if not r.quick:
        calls += [(r.ok, "workload=ref_pingpong placement=same size=20"),
                  (r.ok, "workload=ref_pingpong size=61")]
    r.all(calls)


def test_cacheline(r):
    r.all([(r.ok, "workload=cacheline"), (r.ok, "workload=cacheline timer=clock_gettime")])


def test_faults(r):
    """The checks can fail: corrupt a request, a reply, the order; lose a message."""
    calls = []
    for w in ["pipe", "unix_stream", "futex"] if r.quick else BASELINES:
        base = f"workload={w} iterations=50 warmup=5 size=64"
        calls += [
            (r.fails, base, r"pong received message 7 corrupt: byte 63 of 64",
             {"IPCLAB_DEBUG_CORRUPT": "req:7"}, 1),
            (r.fails, base, r"ping received reply message 7 corrupt: byte 63 of 64",
             {"IPCLAB_DEBUG_CORRUPT": "rep:7"}, 1),
            (r.fails, base, r"pong received message 7 out of order: it carries sequence 8",
             {"IPCLAB_DEBUG_CORRUPT": "seq:7"}, 1),
        ]
    # ring_pingpong (a shared workload): only the ping checks, after its
    # sample, so a corrupt request and a corrupt reply read alike.
    for wake in ["waker=futex"] if r.quick else ["wake=poll", "waker=futex", "waker=eventfd"]:
        base = f"workload=ring_pingpong {wake} iterations=50 warmup=5 size=64"
        calls += [
            (r.fails, base, r"^ring_pingpong: round trip 7 came back corrupt: word 7 of 8$",
             {"IPCLAB_DEBUG_CORRUPT": "req:7"}, 1),
            (r.fails, base, r"^ring_pingpong: round trip 7 came back corrupt: word 7 of 8$",
             {"IPCLAB_DEBUG_CORRUPT": "rep:7"}, 1),
            (r.fails, base, r"^ring_pingpong: round trip 7 came back as message 8$",
             {"IPCLAB_DEBUG_CORRUPT": "seq:7"}, 1),
        ]
    calls.append((r.fails, "workload=ring_pingpong size=8 iterations=50 warmup=5",
                  r"^ring_pingpong: round trip 3 came back as message 4$",
                  {"IPCLAB_DEBUG_CORRUPT": "seq:3"}, 1))
    # The fault at the very last message (the pong's check races the end).
    calls.append((r.fails, "workload=pipe iterations=50 warmup=5", r"message 54 corrupt",
                  {"IPCLAB_DEBUG_CORRUPT": "req:54"}, 1))
    calls.append((r.fails, "workload=pipe", r"IPCLAB_DEBUG_CORRUPT=bogus is not req:N",
                  {"IPCLAB_DEBUG_CORRUPT": "bogus"}, 1))
    # ring_throughput: a message out of sequence, in each variant's path.
    for v in ["cached", "batched"] if r.quick else VARIANTS:
        calls.append((r.fails, f"workload=ring_throughput variant={v} iterations=20 warmup=2 "
                      f"msgs=100", rf"^ring_throughput: variant={v}: message 1234 came out as 1235$",
                      {"IPCLAB_DEBUG_CORRUPT": "seq:1234"}, 1))
    calls.append((r.fails, "workload=ring_throughput handle=attached iterations=20 warmup=2 "
                  "msgs=100", r"^ring_throughput: variant=cached: message 1234 came out as 1235$",
                  {"IPCLAB_DEBUG_CORRUPT": "seq:1234"}, 1))
    calls.append((r.fails, "workload=ref_throughput iterations=20 msgs=100",
                  r"^ref_throughput: message 1234 came out as 1235$",
                  {"IPCLAB_DEBUG_CORRUPT": "seq:1234"}, 1))
    calls.append((r.fails, "workload=ref_throughput iterations=20 msgs=100",
                  r"^watchdog: no progress after 1 s",
                  {"IPCLAB_DEBUG_CORRUPT": "drop:1500", "IPCLAB_WATCHDOG_S": "1"}, 1))
    calls.append((r.fails, "workload=ring64_pingpong variant=naive",
                  r"^ring64_pingpong: variant=naive has no 8-byte path", None, 1))
    calls.append((r.fails, "workload=ring64_pingpong iterations=50 warmup=5",
                  r"pong received message 7 out of order",
                  {"IPCLAB_DEBUG_CORRUPT": "seq:7"}, 1))
    calls.append((r.fails, "workload=ref_pingpong iterations=50 warmup=5 size=64",
                  r"pong received message 7 corrupt: byte 63 of 64",
                  {"IPCLAB_DEBUG_CORRUPT": "req:7"}, 1))
    calls.append((r.fails, "workload=ref_pingpong iterations=50 warmup=5 size=64",
                  r"ping received reply message 7 corrupt: byte 63 of 64",
                  {"IPCLAB_DEBUG_CORRUPT": "rep:7"}, 1))
    calls.append((r.fails, "workload=ring_throughput iterations=20 msgs=100",
                  r"^watchdog: no progress after 1 s",
                  {"IPCLAB_DEBUG_CORRUPT": "drop:1500", "IPCLAB_WATCHDOG_S": "1"}, 1))
    calls.append((r.fails, "workload=ring_throughput iterations=20 msgs=100",
                  r"IPCLAB_DEBUG_CORRUPT takes seq:N or drop:N",
                  {"IPCLAB_DEBUG_CORRUPT": "req:3"}, 1))
    # A lost message (a lost wake-up, to the ping) ends by the watchdog.
    for w in ["futex"] if r.quick else ["pipe", "futex", "ring_pingpong waker=futex"]:
        calls.append((r.fails, f"workload={w} iterations=50 warmup=5",
                      r"^watchdog: no progress after 1 s \(a lost message or wake-up\?\)$",
                      {"IPCLAB_DEBUG_CORRUPT": "drop:9", "IPCLAB_WATCHDOG_S": "1"}, 1))
    r.all(calls)


def test_bad_words(r):
    cases = [
        ("", r"^missing workload=<name>"),
        ("workload=nonesuch", r"^unknown workload 'nonesuch'$"),
        ("workload=pipe foo=1", r"^unknown parameter 'foo' for workload pipe$"),
        ("workload=pipe size=0", r"^size=0 out of range 1\.\.65536$"),
        ("workload=mq size=8193", r"^size=8193 out of range 1\.\.8192$"),
        ("workload=pipe placement=north", r"^placement=north is not one of same,cross$"),
        ("workload=pipe iterations=lots", r"^iterations=lots is not a decimal integer"),
        ("workload=pipe size=1 size=2", r"^duplicate key 'size'$"),
        ("workload=pipe size", r"^malformed word 'size'"),
        ("workload=ring_pingpong wake=sometimes",
         r"is not one of poll,every,transition,announce$"),
        ("workload=ring_pingpong wake=futex", r"is not one of poll,every,transition,announce$"),
        ("workload=ring_pingpong waker=poll", r"^waker=poll is not one of futex,eventfd$"),
        ("workload=ring_pingpong protocol=every", r"^unknown parameter 'protocol'"),
        ("workload=pipe mode=exact", r"^mode=exact needs the virt platform"),
    ]
    for words, pattern in cases:
        r.fails(words, pattern, status=2)
    # Refused by the workload itself, before anything runs.
    r.fails("workload=ring_pingpong size=12", r"size=12 is not a multiple of 8", status=1)
    r.fails("workload=ring_pingpong variant=mpmc waker=futex",
            r"^ring_pingpong: variant=mpmc wake=announce: ring_init says", status=1)
    r.fails("workload=cacheline placement=same", r"use placement=cross", status=1)
    r.fails("workload=ring_throughput capacity=1000",
            r"^ring_throughput: variant=cached capacity=1000: invalid argument \(a capacity "
            r"is a power of two except for naive\)$", status=1)
    r.fails("workload=ring_throughput msgs=0", r"^msgs=0 out of range 1\.\.1000000$", status=2)
    r.fails("workload=ring_throughput variant=fast",
            r"^variant=fast is not one of naive,cached,batched,mpsc,mpmc,stamped$", status=2)


def test_list(r):
    p = r.run("workload=list")
    if p.returncode != 0:
        raise Failure(f"workload=list: exit {p.returncode}")
    cap = parse(p.stdout)
    if not cap.ok:
        raise Failure(f"workload=list: {cap.problems}")
    reg = registry.parse_registry(cap)
    want = SHARED + BASELINES + ["ring_throughput", "ref_throughput", "ref_pingpong",
                                 "ring64_pingpong", "cacheline"]
    if sorted(reg) != sorted(want):
        raise Failure(f"workload=list names {sorted(reg)}, expected {want}")
    # The ring library's name tables reach the registry whole (ring.h).
    for w in ("ring_pingpong", "ring_throughput"):
        if reg[w]["variant"].words != tuple(VARIANTS):
            raise Failure(f"{w}: variant words {reg[w]['variant'].words}, expected {VARIANTS}")
    # `wake` is the ring's protocol here as on virt (one name, one meaning).
    if reg["ring_pingpong"]["wake"].words != ("poll", "every", "transition", "announce"):
        raise Failure(f"ring_pingpong: wake words {reg['ring_pingpong']['wake'].words}")
    if reg["ring_pingpong"]["waker"].words != ("futex", "eventfd"):
        raise Failure(f"ring_pingpong: waker words {reg['ring_pingpong']['waker'].words}")


SHARED = ["null_syscall", "yield", "ntfn_pingpong", "ring_pingpong", "mpsc"]


def test_shared(r):
    """The shared workloads (workloads/common/wl_*.c) on the Linux runtime."""
    calls = [(r.ok, "workload=null_syscall", 200, "null", 1, False),
             (r.ok, "workload=null_syscall timer=clock_gettime", 50, "null", 1, False),
             (r.ok, "workload=yield", 200, "yield"),
             (r.ok, "workload=yield placement=same timer=clock_gettime", 50, "yield")]
    for placement in ("same", "cross"):
        for waker in ("futex", "eventfd"):
            calls.append((r.ok, f"workload=ntfn_pingpong placement={placement} waker={waker}",
                          50 if r.quick else 200))
    for k in (1, 2, 4):
        for placement in ("same", "cross") if not r.quick else ("cross",):
            calls.append((r.ok, f"workload=mpsc producers={k} placement={placement}",
                          100 if r.quick else 1000, "msg"))
    calls.append((r.ok, "workload=mpsc producers=3 waker=eventfd", 200, "msg"))
    r.all(calls)
    r.fails("workload=mpsc producers=2 iterations=100", r"^mpsc with 2 producers: a message "
            r"was lost, duplicated or reordered$", {"IPCLAB_DEBUG_CORRUPT": "seq:0"}, 1)
    r.fails("workload=mpsc producers=5", r"^producers=5 out of range 1\.\.4$", status=2)
    r.fails("workload=yield placement=cross", r"^yield measures a switch: both sides must "
            r"share a CPU \(placement=same\)$", status=1)
    r.fails("workload=ntfn_pingpong waker=poll", r"^waker=poll is not one of futex,eventfd$",
            status=2)
    r.fails("workload=null_syscall variant=cached",
            r"^unknown parameter 'variant' for workload null_syscall$", status=2)


def test_checker(r):
    """The parser the tests rely on rejects a tampered sample, count or frame."""
    p = r.run("workload=pipe iterations=20 warmup=1")
    if not parse(p.stdout).ok:
        raise Failure("the untampered stream does not parse")
    lines = p.stdout.split("\n")
    i = next(n for n, ln in enumerate(lines) if ln.startswith("S "))
    bad = {
        "a changed sample": lines[:i] + ["S " + str(int(lines[i][2:]) + 1)] + lines[i + 1:],
        "a lost sample": lines[:i] + lines[i + 1:],
        "a cut stream": lines[:i + 1],
    }
    for what, text in bad.items():
        cap = parse("\n".join(text))
        if cap.ok or cap.frames:
            raise Failure(f"bench/stream.py accepts {what}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--quick", action="store_true",
                    help="fewer sizes and combinations (for the sanitizer build)")
    args = ap.parse_args()
    r = Runner(os.path.abspath(args.binary), args.quick)
    tests = [test_list, test_checker, test_bad_words, test_shared, test_baselines, test_ring,
             test_throughput, test_reference, test_cacheline, test_faults]
    failed = 0
    for t in tests:
        try:
            t(r)
            print(f"  ok   {t.__name__}")
        except Failure as e:
            failed += 1
            print(f"  FAIL {t.__name__}: {e}")
    print(f"test_runner: {r.count} runs, streams parsed by bench/stream.py; "
          f"{failed} of {len(tests)} tests failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
