"""Cross-core round trips of Linux IPC against the ring of ipc/ and the
cache-line floor, on this machine: the figures of workloads/linux/README.md.

Runs every configuration once per round, rounds interleaved (A B C ... A B C
...), so slow drifts of a shared machine hit every configuration alike; the
ratios are taken within each round (same minute, same vCPU placement) and
reported as the median over rounds with their range. A benchmark, not a test.

    /usr/bin/python3 workloads/linux/bench_rtt.py [--rounds 15] [--iterations 2000]
"""

import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from stream_check import Failure, check_stream  # noqa: E402

DEFAULT_BIN = os.path.join(HERE, "..", "..", "build", "linux", "ipclab-linux")

# (label, words): every run cross-core; 64-byte messages unless the words say.
CONFIGS = [
    ("pipe", "workload=pipe"),
    ("unix_stream", "workload=unix_stream"),
    ("unix_dgram", "workload=unix_dgram"),
    ("futex", "workload=futex"),
    ("eventfd", "workload=eventfd"),
    ("ring cached, futex", "workload=ring_pingpong variant=cached wake=futex"),
    ("ring cached, futex, spin=20000",
     "workload=ring_pingpong variant=cached wake=futex spin=20000"),
    ("ring naive, poll", "workload=ring_pingpong variant=naive wake=poll"),
    ("ring cached, poll", "workload=ring_pingpong variant=cached wake=poll"),
    ("ring stamped, poll", "workload=ring_pingpong variant=stamped wake=poll"),
    ("ring stamped, poll, 56 B", "workload=ring_pingpong variant=stamped wake=poll size=56"),
    ("ring stamped, futex, spin=20000",
     "workload=ring_pingpong variant=stamped wake=futex spin=20000"),
    ("cacheline floor (8 B)", "workload=cacheline"),
]
FLOOR = "cacheline floor (8 B)"
PIPE = "pipe"


def run_once(binary, words, iterations, warmup):
    argv = [binary] + words.split() + ["placement=cross", f"iterations={iterations}",
                                       f"warmup={warmup}"]
    if "cacheline" not in words and "size=" not in words:
        argv.append("size=64")
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    frames, info, errors, done = check_stream(p.stdout)
    if p.returncode != 0 or done != "ok" or errors or len(frames) != 1:
        raise Failure(f"{' '.join(argv)}: exit {p.returncode} {errors}")
    return statistics.median(frames[0]["samples"]), info


def ratio_text(num, den):
    r = [a / b for a, b in zip(num, den)]
    digits = 2 if statistics.median(r) < 10 else 0
    return (f"{statistics.median(r):.{digits}f}x ({min(r):.{digits}f} .. "
            f"{max(r):.{digits}f})")


def fmt_ns(v):
    return f"{v / 1000:.1f} us" if v >= 10000 else f"{v:.0f} ns"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=DEFAULT_BIN)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--iterations", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=200)
    args = ap.parse_args()

    medians = {label: [] for label, _ in CONFIGS}
    info = {}
    for r in range(args.rounds):
        for label, words in CONFIGS:
            m, info = run_once(args.binary, words, args.iterations, args.warmup)
            medians[label].append(m)
        print(f"round {r + 1}/{args.rounds}: floor {fmt_ns(medians[FLOOR][-1])}, "
              f"pipe {fmt_ns(medians[PIPE][-1])}", file=sys.stderr)

    print(f"host: {info.get('host_cpu')}, {info.get('host_cpus')} CPUs, kernel "
          f"{info.get('kernel')}, timer {info.get('timer_counter')} "
          f"at {info.get('timer_hz')} Hz; perf_hw={info.get('perf_hw')}")
    print(f"{args.rounds} interleaved rounds x {args.iterations} round trips "
          f"(+{args.warmup} warm-up), placement=cross, size=64 unless said\n")
    print("| mechanism | RTT: median of round medians | range of round medians "
          "| / cache-line floor, per round | pipe / this, per round |")
    print("| --- | --- | --- | --- | --- |")
    for label, _ in CONFIGS:
        v = medians[label]
        print(f"| {label} | {fmt_ns(statistics.median(v))} | {fmt_ns(min(v))} .. "
              f"{fmt_ns(max(v))} | {ratio_text(v, medians[FLOOR])} "
              f"| {ratio_text(medians[PIPE], v)} |")
    print("\nGoals (cross-core): a ring's RTT at least 20x faster than a pipe's, "
          "and within 1.3x of the cache-line floor.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
