"""Kernel line coverage from the QEMU plugin's coverage output.

    python3 -m analysis.coverage IMAGE COVERAGE.txt [COVERAGE.txt ...] --out DIR

The kernel's instructions are every 4-byte address of its text (from
__kernel_start to __kernel_text_end, nm); the cross toolchain's addr2line
(mk/toolchain.mk's prefix: analysis.profile.cross_tool) maps each to its source line through the image's DWARF.  A line is executable
when an instruction maps to it, executed when one of those instructions
ran (any of the plugin's outputs, mode=coverage: the in-QEMU suite).  User
code (the tests themselves, the root task, workloads; linked at
0x1000000000) is not counted.  Writes DIR/coverage.csv (file, lines,
executed, percent, never reached as ranges) and DIR/coverage.md, and
prints the table and the total.
"""

import argparse
import csv
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from bench import schema

from .profile import cross_tool

ROOT = Path(__file__).resolve().parent.parent


class CoverageError(RuntimeError):
    pass


def kernel_text(image):
    """(start, end) of the kernel's code."""
    r = subprocess.run([cross_tool("nm", image), str(image)], capture_output=True, text=True,
                       timeout=60)
    syms = {}
    for line in r.stdout.splitlines():
        w = line.split()
        if len(w) == 3:
            syms[w[2]] = int(w[0], 16)
    try:
        return syms["__kernel_start"], syms["__kernel_text_end"]
    except KeyError:
        raise CoverageError(f"{image}: no __kernel_start / __kernel_text_end symbols") from None


def source_path(path):
    """A DWARF path relative to the tree (the build's directory prefix dropped)."""
    path = os.path.normpath(path)
    m = re.search(r"(?:^|/)((?:kernel|user|ipc|workloads)/.*)$", path)
    return m.group(1) if m else path


def line_map(image):
    """{address: (file, line)} of every instruction of the kernel's text."""
    start, end = kernel_text(image)
    addrs = list(range(start, end, 4))
    addr2line = cross_tool("addr2line", image)
    r = subprocess.run([addr2line, "-e", str(image)], input="\n".join(f"{a:#x}" for a in addrs),
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise CoverageError(f"{addr2line}: {r.stderr.strip()[:200]}")
    out = r.stdout.splitlines()
    if len(out) != len(addrs):
        raise CoverageError(f"{addr2line} answered {len(out)} lines for {len(addrs)} addresses")
    lines = {}
    for a, text in zip(addrs, out):
        m = re.match(r"(.+):(\d+)(?: \(discriminator \d+\))?$", text.strip())
        if not m or m.group(1) == "??" or m.group(2) == "0":
            continue                # padding, literal data: no source line
        lines[a] = (source_path(m.group(1)), int(m.group(2)))
    return lines


def ranges(nums):
    """[3, 4, 5, 9] -> "3-5 9"."""
    out, nums = [], sorted(nums)
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(str(nums[i]) if i == j else f"{nums[i]}-{nums[j]}")
        i = j + 1
    return " ".join(out)


ERROR_CODE = re.compile(r"\bIPC_E_([A-Z]+)\b")
ABI_HEADER = ROOT / "kernel" / "include" / "ipclab" / "abi.h"


def error_paths(rows, root=ROOT):
    """{code: [(file, line, reached)]}: every line of the kernel's files that
    names an ABI error code (abi.h's `#define IPC_E_*`), in the header's order;
    reached is True or False for a line with instructions of its own, None for
    one the compiler gave none (its code sits on a neighbouring line)."""
    codes = re.findall(r"^#define\s+IPC_E_([A-Z]+)\s+-", ABI_HEADER.read_text(), re.M)
    out = {c: [] for c in codes}
    for name, lines, hit in rows:
        try:
            text = (root / name).read_text(errors="replace").split("\n")
        except OSError:
            continue
        for n, src in enumerate(text, start=1):
            code_part = src.split("//")[0].split("/*")[0]
            for code in ERROR_CODE.findall(code_part):
                if code in out and not src.lstrip().startswith("*"):
                    out[code].append((name, n, (n in hit) if n in lines else None))
    return out


def compute(image, outputs):
    """[(file, executable lines, executed lines)] sorted by file, from plugin outputs."""
    from bench import plugin
    executed_pcs = set()
    for p in outputs:
        out = plugin.parse_output(p)
        if out.mode != "coverage":
            raise CoverageError(f"{p}: a {out.mode} output, not coverage")
        executed_pcs.update(out.coverage)
    lines = line_map(image)
    total, hit = defaultdict(set), defaultdict(set)
    for a, (f, n) in lines.items():
        total[f].add(n)
        if a in executed_pcs:
            hit[f].add(n)
    return [(f, total[f], hit[f]) for f in sorted(total)]


def report(image, outputs, out_dir, stream=sys.stdout):
    """Write coverage.csv and coverage.md into out_dir; print them; return (executed, lines)."""
    if isinstance(outputs, (str, os.PathLike)):
        outputs = [outputs]
    rows = compute(image, outputs)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    all_lines = sum(len(t) for _, t, _ in rows)
    all_hit = sum(len(h) for _, _, h in rows)
    with open(out_dir / schema.COVERAGE_CSV, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(schema.COVERAGE_COLUMNS)
        for name, t, h in rows:
            w.writerow([name, len(t), len(h), f"{100 * len(h) / len(t):.1f}", ranges(t - h)])
    md = ["# Kernel line coverage of the in-QEMU test suite\n",
          "Lines of kernel code (DWARF, addr2line) with at least one instruction executed "
          "under `-append test` (QEMU plugin, mode=coverage).\n",
          "| file | lines | executed | % | never reached |", "| --- | ---: | ---: | ---: | --- |"]
    for name, t, h in rows:
        md.append(f"| {name} | {len(t)} | {len(h)} | {100 * len(h) / len(t):.1f} | "
                  f"{ranges(t - h) or '-'} |")
    pct = 100 * all_hit / all_lines if all_lines else 0.0
    md.append(f"| **total** | **{all_lines}** | **{all_hit}** | **{pct:.1f}** | |")
    errs = error_paths(rows)
    sites = [x for v in errs.values() for x in v if x[2] is not None]
    reached = [c for c, v in errs.items() if any(r for _, _, r in v)]
    md += ["", "## The ABI's error codes",
           "",
           "Each `IPC_E_*` code of `kernel/include/ipclab/abi.h`: the lines of kernel code "
           "that name it and have instructions of their own, which of them the suite reached, "
           "and the lines the compiler gave no instructions (their code sits on a neighbouring "
           "line, so the line table cannot tell whether they ran: not judged).",
           "", "| code | lines | reached | never reached | not judged |",
           "| --- | ---: | ---: | --- | --- |"]
    for code, v in errs.items():
        judged = [x for x in v if x[2] is not None]
        miss = " ".join(f"{f}:{n}" for f, n, r in judged if not r)
        unj = " ".join(f"{f}:{n}" for f, n, r in v if r is None)
        md.append(f"| IPC_E_{code} | {len(judged)} | {sum(bool(r) for _, _, r in judged)} | "
                  f"{miss or '-'} | {unj or '-'} |")
    (out_dir / "coverage.md").write_text("\n".join(md) + "\n")
    if stream:
        width = max(len(r[0]) for r in rows) if rows else 10
        for name, t, h in rows:
            miss = ranges(t - h)
            stream.write(f"{name:{width}} {len(h):5} / {len(t):5}  {100 * len(h) / len(t):5.1f}%"
                         + (f"  never: {miss[:100]}{'...' if len(miss) > 100 else ''}" if miss
                            else "") + "\n")
        never = [c for c in errs if c not in reached]
        stream.write(f"ABI error codes: {len(reached)} of {len(errs)} named on a line the suite "
                     f"reached; {sum(bool(r) for _, _, r in sites)} of {len(sites)} such lines "
                     f"reached" + (f"; not seen reached (coverage.md says why): "
                                   f"{', '.join('IPC_E_' + c for c in never)}" if never else "")
                     + "\n")
        stream.write(f"kernel line coverage: {all_hit} of {all_lines} lines executed "
                     f"({pct:.1f}%) by the in-QEMU suite; per file: {out_dir / 'coverage.md'}\n")
    return all_hit, all_lines


def main(argv=None):
    ap = argparse.ArgumentParser(prog="analysis.coverage", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("image")
    ap.add_argument("outputs", nargs="+")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    try:
        report(args.image, args.outputs, args.out)
    except CoverageError as e:
        print(f"analysis.coverage: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
