"""The committed expected samples: bench/sweeps/expected.toml run in exact mode,
its samples kept in bench/expected/samples.csv and compared byte for byte.

    /usr/bin/python3 -m bench.expected --write    # what `make expected` runs
    /usr/bin/python3 -m bench.expected            # compare, print what changed

Exact mode counts instructions deterministically, so any difference is a
change of the code measured (or of the measurement): intended ones are
committed with a fresh file, unintended ones fail bench/tests/test_expected.py.
"""

import argparse
import csv
import gzip
import io
import os
import subprocess
import sys
import tempfile

from . import platform, schema

ROOT = platform.ROOT
SWEEP = os.path.join(ROOT, "bench", "sweeps", "expected.toml")
FILE = os.path.join(ROOT, "bench", "expected", "samples.csv")


def fresh_samples(image=None, workdir=None):
    """samples.csv (bytes, uncompressed) of a fresh run of the expected sweep."""
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        argv = [sys.executable, "-m", "bench", "run", SWEEP, "--fresh", "--no-analysis",
                "--results", os.path.join(tmp, "results"), "--cache-dir",
                os.path.join(tmp, "cache")]
        if image:
            argv += ["--image", image]
        try:
            # a few seconds of runs; the limit only ends a hang
            r = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            raise RuntimeError("the expected sweep did not finish within 300 s") from None
        if r.returncode != 0:
            raise RuntimeError(f"the expected sweep did not run (status {r.returncode}):\n"
                               f"{r.stderr[-2000:]}")
        [d] = [os.path.join(tmp, "results", n) for n in os.listdir(os.path.join(tmp, "results"))
               if not n.startswith(".")]
        with open(os.path.join(d, schema.RUNS), newline="") as f:
            bad = [(x["run_id"], x["reason"]) for x in csv.DictReader(f) if x["status"] != "ok"]
        if bad:
            raise RuntimeError("runs of the expected sweep failed: "
                               + "; ".join(f"{i}: {why}" for i, why in bad))
        with open(os.path.join(d, schema.SAMPLES), "rb") as f:
            return gzip.decompress(f.read())


def _rows(data):
    rows = list(csv.DictReader(io.StringIO(data.decode("ascii", errors="replace"))))
    return {(r["run_id"], r["metric"], r["i"]): r for r in rows}


def describe_change(old, new, most=30):
    """What changed between two samples.csv texts, row by row ('' when equal)."""
    if old == new:
        return ""
    a, b = _rows(old), _rows(new)
    lines = []
    for key in sorted(set(a) | set(b), key=lambda k: (k[0], k[1], int(k[2]) if k[2].isdigit() else 0)):
        ra, rb = a.get(key), b.get(key)
        where = f"{key[0]} metric={key[1]} i={key[2]}"
        if ra is None:
            lines.append(f"  {where}: new row, value {rb['value']}")
        elif rb is None:
            lines.append(f"  {where}: row gone (was {ra['value']})")
        elif ra != rb:
            diffs = [f"{c} {ra[c]} -> {rb[c]}" for c in ra if ra[c] != rb.get(c)]
            lines.append(f"  {where} ({ra['params']}): " + ", ".join(diffs))
    if not lines:
        lines.append("  the rows are equal but the bytes are not (column order, quoting, "
                     "line ends?)")
    head = f"{len(lines)} row(s) of {os.path.relpath(FILE, ROOT)} changed:"
    tail = [f"  ... and {len(lines) - most} more"] if len(lines) > most else []
    return "\n".join([head] + lines[:most] + tail + [
        "If the change is intended, run `make expected` and commit the new file with it."])


def main(argv=None):
    ap = argparse.ArgumentParser(prog="bench.expected", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help="rewrite the committed file")
    ap.add_argument("--image", help="this kernel image instead of build/kernel/ipclab.elf")
    args = ap.parse_args(argv)
    try:
        new = fresh_samples(args.image)
    except RuntimeError as e:
        print(f"bench.expected: {e}", file=sys.stderr)
        return 1
    if args.write:
        os.makedirs(os.path.dirname(FILE), exist_ok=True)
        with open(FILE, "wb") as f:
            f.write(new)
        n = new.count(b"\n") - 1
        print(f"wrote {os.path.relpath(FILE)}: {n} samples")
        return 0
    try:
        with open(FILE, "rb") as f:
            old = f.read()
    except FileNotFoundError:
        print(f"bench.expected: no {FILE}: run `make expected`", file=sys.stderr)
        return 1
    change = describe_change(old, new)
    print(change or f"{os.path.relpath(FILE)}: unchanged")
    return 1 if change else 0


if __name__ == "__main__":
    sys.exit(main())
