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

# (label, words): every run cross-core, 64-byte messages (the floor: 8).
CONFIGS = [
    ("pipe", "workload=pipe"),
    ("unix_stream", "workload=unix_stream"),
    ("unix_dgram", "workload=unix_dgram"),
    ("futex", "workload=futex"),
    ("eventfd", "workload=eventfd"),
    ("ring poll", "workload=ring_pingpong variant=cached wake=poll"),
    ("ring futex", "workload=ring_pingpong variant=cached wake=futex protocol=announce"),
    ("ring futex spin", "workload=ring_pingpong variant=cached wake=futex protocol=announce "
                        "spin=20000"),
    ("ring naive poll", "workload=ring_pingpong variant=naive wake=poll"),
    ("cacheline floor", "workload=cacheline"),
]
RING = "ring poll"
FLOOR = "cacheline floor"


def run_once(binary, words, iterations, warmup):
    argv = [binary] + words.split() + ["placement=cross", f"iterations={iterations}",
                                       f"warmup={warmup}"]
    if "cacheline" not in words:
        argv.append("size=64")
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    frames, info, errors, done = check_stream(p.stdout)
    if p.returncode != 0 or done != "ok" or errors or len(frames) != 1:
        raise Failure(f"{' '.join(argv)}: exit {p.returncode} {errors}")
    return statistics.median(frames[0]["samples"]), info


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
        print(f"round {r + 1}/{args.rounds}: ring {fmt_ns(medians[RING][-1])}, "
              f"floor {fmt_ns(medians[FLOOR][-1])}, pipe {fmt_ns(medians['pipe'][-1])}",
              file=sys.stderr)

    print(f"host: {info.get('host_cpu')}, {info.get('host_cpus')} CPUs, kernel "
          f"{info.get('kernel')}, timer {info.get('timer_counter')} "
          f"at {info.get('timer_hz')} Hz; perf_hw={info.get('perf_hw')}")
    print(f"{args.rounds} interleaved rounds x {args.iterations} round trips "
          f"(+{args.warmup} warm-up), placement=cross, size=64 (floor: 8 bytes)\n")
    print("| mechanism | median RTT (median of round medians) | range of round medians "
          "| ring poll is faster by |")
    print("| --- | --- | --- | --- |")
    for label, _ in CONFIGS:
        v = medians[label]
        ratio = [a / b for a, b in zip(v, medians[RING])]
        print(f"| {label} | {fmt_ns(statistics.median(v))} | {fmt_ns(min(v))} .. "
              f"{fmt_ns(max(v))} | {statistics.median(ratio):.1f}x "
              f"({min(ratio):.1f} .. {max(ratio):.1f}) |")
    floor_ratio = [a / b for a, b in zip(medians[RING], medians[FLOOR])]
    pipe_ratio = [a / b for a, b in zip(medians["pipe"], medians[RING])]
    print(f"\nring poll / cache-line floor, per round: median "
          f"{statistics.median(floor_ratio):.2f}x (range {min(floor_ratio):.2f} .. "
          f"{max(floor_ratio):.2f}); goal <= 1.3x")
    print(f"pipe / ring poll, per round: median {statistics.median(pipe_ratio):.0f}x "
          f"(range {min(pipe_ratio):.0f} .. {max(pipe_ratio):.0f}); goal >= 20x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
