"""The shared workloads (workloads/common/wl_*.c) on the ipclab runtime, in QEMU.

Boots the kernel image once per configuration, in exact mode, the command
composed from the build's qemu.json as the harness composes it
(bench.platform), and parses each capture with the harness's parser
(bench.stream): one frame with the workload's metric, unit instructions,
the samples asked for, DONE ok.  Exact mode is deterministic, so the same
configuration booted twice must give the same samples; a bad word must be
refused with a message naming it.  No test looks at a figure's size.

    PYTHONPATH=. /usr/bin/python3 workloads/test/test_virt.py build/kernel/ipclab.elf
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys

from bench import platform, stream

RUNS = [
    ("null_syscall", "null", "iterations=50 warmup=5"),
    ("yield", "yield", "iterations=50 warmup=5"),
    ("ntfn_pingpong", "rtt", "iterations=50 warmup=5"),
    ("ntfn_pingpong", "rtt", "iterations=3 warmup=0"),
    ("ring_pingpong", "rtt", "variant=naive wake=every iterations=20"),
    ("ring_pingpong", "rtt", "variant=stamped wake=transition iterations=20"),
    ("ring_pingpong", "rtt", "variant=mpsc wake=announce iterations=20"),
    ("ring_pingpong", "rtt", "variant=mpmc wake=poll iterations=2 warmup=0"),
    ("mpsc", "msg", "producers=1 iterations=100"),
    ("mpsc", "msg", "producers=4 iterations=500 warmup=3"),
]
REFUSED = [
    ("workload=yield placement=cross", r"^placement=cross needs cpus=2 or more"),
    ("workload=ntfn_pingpong waker=futex",
     r"^unknown parameter 'waker' for workload ntfn_pingpong$"),
    ("workload=null_syscall iterations=16385", r"^iterations=16385 out of range 1\.\.16384$"),
    ("workload=mpsc producers=5", r"^producers=5 out of range 1\.\.4$"),
    ("workload=ring_pingpong variant=mpmc wake=every",
     r"^ring_pingpong: variant=mpmc wake=every: ring_init says"),
]


class Failure(Exception):
    pass


def boot(desc, image, words):
    argv = platform.qemu_argv(desc, "exact", image, words.split())
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    return p, stream.parse(p.stdout)


def check_run(desc, image, workload, metric, words):
    words = f"workload={workload} {words}"
    p, cap = boot(desc, image, words)
    if p.returncode != 0 or not cap.ok or cap.done != "ok" or len(cap.frames) != 1:
        raise Failure(f"`{words}`: exit {p.returncode}, problems={cap.problems} "
                      f"errors={cap.errors} frames={len(cap.frames)}\n{p.stdout[-2000:]}")
    h = cap.frames[0].header
    n = int(re.search(r"iterations=(\d+)", words).group(1))
    for k, v in (("workload", workload), ("metric", metric), ("unit", "instructions"),
                 ("platform", "virt"), ("mode", "exact"), ("iterations", str(n))):
        if h.get(k) != v:
            raise Failure(f"`{words}`: BEGIN has {k}={h.get(k)}, expected {v}")
    s = cap.frames[0].samples
    if len(s) != n or any(x <= 0 for x in s):
        raise Failure(f"`{words}`: {len(s)} samples, expected {n}, all > 0: {s[:8]}")
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("image")
    args = ap.parse_args()
    desc = platform.load_qemu_json(os.path.join(os.path.dirname(args.image), platform.QEMU_JSON))
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        runs = [pool.submit(check_run, desc, args.image, *r) for r in RUNS]
        again = pool.submit(check_run, desc, args.image, *RUNS[2])
        refused = [(w, pat, pool.submit(boot, desc, args.image, w)) for w, pat in REFUSED]
        results = []
        for r, f in zip(RUNS, runs):
            try:
                results.append(f.result())
                print(f"  ok   {r[0]} {r[2]}")
            except Failure as e:
                failed += 1
                results.append(None)
                print(f"  FAIL {e}")
        try:
            if results[2] is None:
                raise Failure("ntfn_pingpong twice: no first run to compare with")
            if again.result() != results[2]:
                raise Failure("ntfn_pingpong: two exact-mode boots gave different samples")
            print("  ok   ntfn_pingpong twice: the same samples")
        except Failure as e:
            failed += 1
            print(f"  FAIL {e}")
        for words, pat, f in refused:
            p, cap = f.result()
            if cap.done != "fail" or not cap.errors or not re.search(pat, cap.errors[0]):
                failed += 1
                print(f"  FAIL `{words}`: expected ERROR matching {pat!r}, got {cap.errors}")
            else:
                print(f"  ok   `{words}` refused: {cap.errors[0]}")
    total = len(RUNS) + 1 + len(REFUSED)
    print(f"test_virt: {failed} of {total} checks failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
