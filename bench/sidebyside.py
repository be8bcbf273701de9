"""The same operations on the ipclab kernel and on Linux, on the identical machine.

    python3 -m bench side-by-side [VIRT_DIR LINUX_VIRT_DIR] [--results ROOT] [--write]

Reads the summary.csv of a virt results directory (the kernel's default
sweep) and of a linux-virt one (bench/sweeps/linux-virt.toml), both exact
mode on the same QEMU board, so both in instructions, and prints the table;
with --write also as side-by-side.md into the linux-virt directory (`make
bench` does, for the directories it has just made), and draws the
cross-system figure of the two directories together (the ipclab kernel,
Linux on the same machine, seL4's reference figures; one column, 3.3 in)
into its plots/ as cross_system-together.pdf/.png (analysis.plots'
draw_together, the code of `make cross`).  Without
directories it takes the newest `*-default` and `*-linux-virt` results under
ROOT (default results/), which is what `make bench` has just written.

Every figure is a median (p50) of summary.csv.  Round trips on the ipclab
kernel are measured one way (Call, then ReplyRecv; a Signal with its
switch): its round trip here is the sum of the two one-way medians, and
the table says so.  A row whose configuration is absent from either
directory shows "-" with the reason, never a number from elsewhere.
"""

import csv
import os
import re

from . import schema

OUT = schema.SIDE_BY_SIDE

# (operation, [(weight, virt selector)], linux-virt selector, note)
# A selector is (workload, metric, {param: value}); it must match exactly one
# summary row.  The virt figure is the weighted sum of its selectors' medians.
ROUND_10W = [(1, ("ep_call", "call", {"space": "diff", "words": "10"})),
             (1, ("ep_call", "replyrecv", {"space": "diff", "words": "10"}))]
ROWS = [
    ("null system call", [(1, ("null_syscall", "null", {}))],
     ("null_syscall", "null", {}), "Linux: getppid(2)"),
    ("yield to an equal-priority thread (one switch)", [(1, ("yield", "yield", {}))],
     ("yield", "yield", {}), "Linux: sched_yield(2) between two processes on the one CPU"),
    ("round trip, 0-word / 8-byte message: Call + ReplyRecv vs pipe",
     [(1, ("ep_call", "call", {"space": "diff", "words": "0"})),
      (1, ("ep_call", "replyrecv", {"space": "diff", "words": "0"}))],
     ("pipe", "rtt", {"placement": "same", "size": "8"}), "ipclab: sum of the two one-way medians"),
]
for mech, label in (("pipe", "pipe"), ("fifo", "named pipe (FIFO)"),
                    ("unix_stream", "Unix stream socket"), ("unix_dgram", "Unix datagram socket"),
                    ("mq", "POSIX message queue"), ("eventfd", "eventfd + shared memory"),
                    ("futex", "futex + shared memory")):
    ROWS.append((f"round trip, 10 words (80 B) / 64 B: Call + ReplyRecv vs {label}", ROUND_10W,
                 (mech, "rtt", {"placement": "same", "size": "64"}),
                 "ipclab: sum of the two one-way medians"))
ROWS += [
    ("notification round trip (ntfn_pingpong; futex on Linux)",
     [(1, ("ntfn_pingpong", "rtt", {}))],
     ("ntfn_pingpong", "rtt", {"placement": "same", "waker": "futex"}), ""),
    ("notification round trip (ntfn_pingpong; eventfd on Linux)",
     [(1, ("ntfn_pingpong", "rtt", {}))],
     ("ntfn_pingpong", "rtt", {"placement": "same", "waker": "eventfd"}), ""),
    ("notification round trip: 2 x Signal to a higher-priority waiter vs eventfd",
     [(2, ("ntfn_signal", "signal", {"to": "high"}))],
     ("eventfd", "rtt", {"placement": "same", "size": "64"}),
     "ipclab: twice the one-way Signal (with its switch); Linux: a 64 B message each way "
     "in shared memory, woken by eventfd"),
    ("ring ping-pong, cached ring, announce-then-sleep (futex on Linux)",
     [(1, ("ring_pingpong", "rtt", {"variant": "cached", "wake": "announce"}))],
     ("ring_pingpong", "rtt", {"placement": "same", "variant": "cached", "wake": "announce",
                               "waker": "futex"}), ""),
    ("ring ping-pong, cached ring, announce-then-sleep (eventfd on Linux)",
     [(1, ("ring_pingpong", "rtt", {"variant": "cached", "wake": "announce"}))],
     ("ring_pingpong", "rtt", {"placement": "same", "variant": "cached", "wake": "announce",
                               "waker": "eventfd"}), ""),
    ("ring ping-pong, the seed's naive ring, signal on every push (futex on Linux)",
     [(1, ("ring_pingpong", "rtt", {"variant": "naive", "wake": "every"}))],
     ("ring_pingpong", "rtt", {"placement": "same", "variant": "naive", "wake": "every",
                               "waker": "futex"}), ""),
]


class SideBySideError(Exception):
    pass


def read_summary(d):
    path = os.path.join(d, schema.SUMMARY)
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise SideBySideError(f"{path}: {e.strerror}") from None
    for r in rows:
        if r.get("unit") != "instructions" or r.get("mode") != "exact":
            raise SideBySideError(f"{path}: {r.get('workload')} is unit={r.get('unit')} "
                                  f"mode={r.get('mode')}: side by side takes exact-mode "
                                  f"instruction counts only")
    return rows


# The virt side is the one-CPU figure: placement=same on a machine of one
# CPU (a results directory from before placement existed has neither).
ONE_CPU = {"placement": "same", "cpus": "1"}


def pick(rows, sel, where, defaults=None):
    """The p50 of the one row matching sel, or (None, why).  defaults: more
    {param: value} a row must match where it has the parameter at all."""
    workload, metric, want = sel
    extra = defaults or {}

    def fits(p):
        return (all(p.get(k) == v for k, v in want.items())
                and all(p.get(k, v) == v for k, v in extra.items() if k not in want))

    hits = [r for r in rows if r["workload"] == workload and r["metric"] == metric
            and fits(schema.parse_params(r["params"]))]
    desc = workload + "/" + metric + "".join(f" {k}={v}" for k, v in sorted(want.items()))
    if not hits:
        return None, f"{desc} not in {where}"
    if len(hits) > 1:
        return None, f"{desc} matches {len(hits)} rows of {where}"
    return float(hits[0]["p50"]), None


def _fmt(v):
    return "-" if v is None else f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def newest(root, name):
    """The newest results directory named <stamp>-<name>[-n] under root."""
    pat = re.compile(r"[0-9]{8}-[0-9]{6}-" + re.escape(name) + r"(-[0-9]+)?\Z")
    try:
        hits = sorted(d for d in os.listdir(root) if pat.match(d)
                      and os.path.isfile(os.path.join(root, d, schema.SUMMARY)))
    except OSError as e:
        raise SideBySideError(f"{root}: {e.strerror}") from None
    if not hits:
        raise SideBySideError(f"no {name} results with a summary under {root} "
                              f"(`make bench` writes them)")
    return os.path.join(root, hits[-1])


def _meta(d):
    import json
    try:
        with open(os.path.join(d, schema.META)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def table(virt_dir, lv_dir):
    """The markdown text."""
    v, lv = read_summary(virt_dir), read_summary(lv_dir)
    mv, ml = _meta(virt_dir), _meta(lv_dir)
    for d, m, want in ((virt_dir, mv, "virt"), (lv_dir, ml, "linux-virt")):
        if m.get("platform") not in (None, want):
            raise SideBySideError(f"{d}: platform {m.get('platform')}, expected {want}")
    kernel = (ml.get("linux_virt") or {}).get("kernel") or {}
    # the exact-mode options as the runs' own meta.json recorded them
    exact_opts = " ".join(((ml.get("qemu") or {}).get("qemu_json") or {})
                          .get("modes", {}).get("exact", [])) or "exact mode"
    for d, m in ((virt_dir, mv), (lv_dir, ml)):
        if m and not (m.get("qemu") or {}).get("qemu_json"):
            continue
        got = " ".join(((m.get("qemu") or {}).get("qemu_json") or {}).get("modes", {})
                       .get("exact", []))
        if got and got != exact_opts:
            raise SideBySideError(f"{d} ran with exact-mode options {got!r}, {lv_dir} with "
                                  f"{exact_opts!r}: not the same machine")
    lines = ["| operation | ipclab kernel | Linux | Linux / ipclab |",
             "| --- | ---: | ---: | ---: |"]
    notes = []
    for op, vsel, lsel, note in ROWS:
        parts, why = [], []
        for weight, sel in vsel:
            x, w = pick(v, sel, os.path.basename(virt_dir), ONE_CPU)
            parts.append(None if x is None else weight * x)
            if w:
                why.append(w)
        vx = None if None in parts else sum(parts)
        lx, w = pick(lv, lsel, os.path.basename(lv_dir))
        if w:
            why.append(w)
        ratio = f"{lx / vx:.1f}x" if vx and lx is not None else "-"
        mark = ""
        if note or why:
            text = "; ".join([note] * bool(note) + why)
            if text not in notes:
                notes.append(text)
            mark = f" [{notes.index(text) + 1}]"
        lines.append(f"| {op}{mark} | {_fmt(vx)} | {_fmt(lx)} | {ratio} |")
    head = [
        "Median instructions per operation, exact mode (QEMU `" + exact_opts + "`), one "
        "emulated cortex-a53, QEMU `virt`, 128 MiB: the same machine for both systems.",
        f"ipclab kernel: `{os.path.relpath(virt_dir)}`; Linux"
        + (f" ({kernel.get('package')} {kernel.get('version')})" if kernel.get("package") else "")
        + f": `{os.path.relpath(lv_dir)}`.",
        "Linux's counter is its clock (CNTVCT x 16 = 1 ns = one instruction in exact mode): "
        "its figures move in steps of 16. Linux exchanges run between two processes on the "
        "one CPU; ipclab's endpoint figures between two address spaces.",
        "Made by `python3 -m bench side-by-side --write` (`make bench` runs it).", ""]
    tail = [""] + [f"[{i}] {n}" for i, n in enumerate(notes, 1)]
    return "\n".join(head + lines + tail) + "\n"


def run(virt_dir=None, lv_dir=None, root="results", write=False):
    """(the table, the file written or None).  write: into the linux-virt
    directory, as `make bench` does for the directories it has just made;
    without it a published directory (results/reference-linux-virt, say)
    is left as it is."""
    if (virt_dir is None) != (lv_dir is None):
        raise SideBySideError("side-by-side: give both directories (virt, then linux-virt) "
                              "or neither")
    if virt_dir is None:
        virt_dir, lv_dir = newest(root, "default"), newest(root, "linux-virt")
    text = table(virt_dir, lv_dir)
    if not write:
        return text, None
    out = os.path.join(lv_dir, OUT)
    with open(out + ".tmp", "w") as f:
        f.write(text)
    os.replace(out + ".tmp", out)
    cross_figure(virt_dir, lv_dir)
    return text, out


CROSS_SUFFIX = "-together"


def cross_figure(virt_dir, lv_dir):
    """The cross-system figure of both directories together (the ipclab kernel, Linux
    on the same machine and seL4's reference figures, one column wide) into the
    linux-virt directory's plots/ as cross_system-together.{pdf,png}: analysis.plots'
    draw_together, what `make cross` and `--together` run.  The figure is listed in
    that directory's plots/index.json (record_together) and its report written again,
    so the page shows it and links side-by-side.md.  Returns the files written, or []
    with a note on stderr when a directory holds no samples (a summary only) or
    nothing to draw."""
    import sys
    if not all(os.path.isfile(os.path.join(d, schema.SAMPLES)) for d in (virt_dir, lv_dir)):
        print(f"side-by-side: no {schema.SAMPLES} in both directories: cross-system figure "
              f"not drawn", file=sys.stderr)
        return []
    from analysis.load import ResultsError
    from analysis.plots import SkipPlot, draw_together, record_together
    from analysis.report import make_report
    plots = os.path.join(lv_dir, schema.PLOTS)
    try:
        files = draw_together([virt_dir, lv_dir], plots, names=("cross_system",),
                              suffix=CROSS_SUFFIX)
    except (ResultsError, SkipPlot) as e:
        print(f"side-by-side: cross-system figure not drawn: {e}", file=sys.stderr)
        return []
    # The directory's report shows the figure and links the table (side-by-side.md).
    record_together(plots, files, [virt_dir, lv_dir], names=("cross_system",),
                    suffix=CROSS_SUFFIX)
    make_report(lv_dir)
    for f in files:
        print(f"side-by-side: wrote {os.path.relpath(f)}", file=sys.stderr)
    return files
