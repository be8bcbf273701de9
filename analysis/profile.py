"""Instructions per operation by symbol, and cache footprint, from the QEMU plugin.

    python3 -m analysis.profile RESULTS_DIR

reads a results directory written with the plugin loaded (bench/plugin.py,
`make profile`): its samples (samples.csv.gz) and each run's plugin output
(plugin/<run_id>.txt), and writes

    profile.csv       workload, params, metric, symbol, space (kernel|user),
                      instructions per operation
    profile.md        the same as tables, one per metric, with the footprint
    plots/profile.*   stacked bars: each metric's instructions by symbol
    summary.csv       + rows "<metric>.<what>" in units lines and misses
                      (bench/schema.py PLUGIN_METRICS)

How a metric finds its path.  The plugin cuts execution at every counter
read (`mrs Xt, pmccntr_el0`) and groups the intervals by (pc of the read
that starts them, pc of the read that ends them, instructions).  A sample
is t1 - t0 - overhead of two counter reads, so its path is the interval
group whose instruction counts are the sample values plus the overhead:
the pair of reads whose groups hold every distinct value of the metric
(value + overhead) at least as often as the samples do (the warm-up runs
the same path, so the plugin sees it more often).  No pair: an error,
never a guess.  The profile is the mean over the samples of the matched
groups' instructions by pc, divided by `per`; the overhead (the counter
read, the store and the nop of the same sequence with nop for svc) is taken
from the symbols that hold it: the closing counter read (one instruction)
from the symbol of the closing read, the rest from the symbol of the
starting read, where the timing code is.  Its total per operation therefore equals the mean of the samples,
which is the metric's own figure when every sample is the same (exact
mode: one tick per instruction, the same every run).

Footprint and misses come from the same groups: per run of the path, the
distinct 64-byte instruction and data lines it touched, and its misses in
the plugin's Cortex-A53 model (plugin/README.md), cold (caches flushed at
the starting counter read) and hot (caches as the run left them).  They are
counts of a model, never measured cycles.
"""

import bisect
import csv
import json
import math
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from bench import schema

from . import load, style

ROOT = Path(__file__).resolve().parent.parent
USER_BASE = 0x1000000000        # kernel/kernel.ld: the user image's link address
STATS = list(schema.PLUGIN_METRICS)     # the order of the plugin's F tuples
MAX_SYMBOLS = 12                        # symbols a figure names; the rest are "other"


class ProfileError(RuntimeError):
    pass


def cross_tool(tool, image=None):
    """The cross toolchain's `tool` (nm, addr2line): mk/toolchain.mk's CROSS prefix,
    from the environment (IPCLAB_CROSS, which make passes), else from the build's
    cflags.txt beside the image (or the tree's), whose compiler is <prefix>gcc."""
    prefix = os.environ.get("IPCLAB_CROSS")
    if prefix is None:
        from bench import platform as platmod
        for d in ([os.path.dirname(str(image))] if image else []) + \
                [str(ROOT / os.path.dirname(platmod.KERNEL_IMAGE))]:
            compiler, _ = platmod.read_cflags(os.path.join(d, platmod.CFLAGS_TXT))
            m = re.fullmatch(r"(.*?)gcc(-[0-9.]+)?", os.path.basename(compiler or ""))
            if m:
                prefix = m.group(1)
                break
    if prefix is None:
        raise ProfileError(f"no cross toolchain prefix for {tool}: set IPCLAB_CROSS "
                           f"(make passes $(CROSS)) or build the kernel (its cflags.txt)")
    return prefix + tool


# --- symbols -----------------------------------------------------------------

class Symbols:
    """Function symbols of an ELF (nm), looked up by address."""

    def __init__(self, image):
        nm = cross_tool("nm", image)
        try:
            r = subprocess.run([nm, "-n", "--defined-only", str(image)], capture_output=True,
                               text=True, timeout=60)
        except OSError as e:
            raise ProfileError(f"cannot run {nm}: {e}") from None
        if r.returncode != 0:
            raise ProfileError(f"{nm} {image}: {r.stderr.strip()[:200]}")
        self.addrs, self.names = [], []
        for line in r.stdout.splitlines():
            w = line.split()
            if len(w) != 3 or w[1] not in "tTwW" or w[2].startswith(("$", ".L")):
                continue
            self.addrs.append(int(w[0], 16))
            self.names.append(w[2])

    def name(self, pc):
        i = bisect.bisect_right(self.addrs, pc) - 1
        return self.names[i] if i >= 0 else f"?{pc:#x}"


def space(pc):
    return "user" if pc >= USER_BASE else "kernel"


# --- matching a metric to its interval groups -------------------------------

def match(out, raw_values):
    """The plugin kinds of a metric: {kind id: samples}, or ProfileError.

    raw_values: the metric's samples plus the overhead (what t1 - t0 read).
    """
    want = defaultdict(int)
    for v in raw_values:
        want[int(v)] += 1
    by_pair = defaultdict(dict)             # (start, end) -> {insns: kind id}
    for k, d in out.kinds.items():
        by_pair[(d["start"], d["end"])][d["insns"]] = k
    best = None
    for pair, groups in by_pair.items():
        if not all(v in groups and out.kinds[groups[v]]["count"] >= c for v, c in want.items()):
            continue
        spare = sum(out.kinds[groups[v]]["count"] - c for v, c in want.items())
        if best is None or spare < best[0]:
            best = (spare, pair, {groups[v]: c for v, c in want.items()})
        elif spare == best[0]:
            raise ProfileError(f"two pairs of counter reads explain the samples equally "
                               f"({best[1][0]:#x}->{best[1][1]:#x} and {pair[0]:#x}->{pair[1]:#x})")
    if best is None:
        shown = ", ".join(f"{v} x{c}" for v, c in sorted(want.items())[:5])
        raise ProfileError(f"no interval between two counter reads has the samples' "
                           f"instruction counts ({shown}): the plugin did not see this path")
    return best[1], best[2]


def metric_profile(out, syms, kinds, pair, n, overhead, per):
    """{(symbol, space): instructions per operation} of the matched kinds."""
    prof = defaultdict(float)
    for k, c in kinds.items():
        count = out.kinds[k]["count"]
        for pc, insns in out.pcs.get(k, {}).items():
            prof[(syms.name(pc), space(pc))] += insns / count * c / n
    # The overhead sequence is the timing code (its store and nop) plus the
    # closing counter read: the latter is taken from the closing read's
    # symbol, the rest from the starting read's.
    if overhead >= 1:
        prof[(syms.name(pair[1]), space(pair[1]))] -= 1
        prof[(syms.name(pair[0]), space(pair[0]))] -= overhead - 1
    return {k: v / per for k, v in prof.items() if abs(v) > 1e-9}


def footprint_values(out, kinds):
    """{stat: [value per run of the path]} over every run of the matched kinds."""
    vals = {s: [] for s in STATS}
    for k in kinds:
        for count, v in out.tuples.get(k, []):
            for s, x in zip(STATS, v):
                vals[s] += [x] * count
    return vals


# --- the results directory ------------------------------------------------------

def image_of(path, image=None):
    """The kernel image of a results directory (meta.json), or `image` as given."""
    if image:
        p = Path(image)
        return p if p.is_absolute() else ROOT / p
    meta = json.loads((Path(path) / schema.META).read_text())
    img = meta.get("image", {}).get("path") if isinstance(meta.get("image"), dict) else None
    if not img:
        raise ProfileError(f"{path}: meta.json names no image")
    p = Path(img)
    return p if p.is_absolute() else ROOT / p


def analyse(path, image=None, res=None):
    """One row per configuration and metric (its repetitions together):
    [{workload, params, metric, runs, per, overhead, samples, mean, median, pair,
    profile, footprint: {stat: [(rep, value)]}, footprint_dropped}].  The
    samples are `res`'s (the directory as analysis.load already read it),
    else loaded here, with load's checks."""
    from bench import plugin
    path = Path(path)
    df = (res if res is not None else load.load_dir(path)).samples
    if not len(df):
        raise ProfileError(f"{path}: no samples")
    syms = Symbols(image_of(path, image))
    rows = []
    for (workload, params, metric), cfg in df.groupby(["workload", "params", "metric"],
                                                      sort=False):
        overhead, per = int(cfg["overhead"].iloc[0]), int(cfg["per"].iloc[0])
        values = cfg["value"].to_numpy()
        prof, fp, dropped, pairs = defaultdict(float), {s: [] for s in STATS}, 0, []
        for run_id, g in cfg.groupby("run_id", sort=False):
            try:
                out = plugin.parse_output(path / schema.plugin_path(run_id))
            except plugin.PluginError as e:
                raise ProfileError(str(e)) from None
            v = g["value"].to_numpy()
            try:
                pair, kinds = match(out, v + overhead)
            except ProfileError as e:
                raise ProfileError(f"{run_id} {metric}: {e}") from None
            pairs.append(pair)
            # the configuration's profile: the mean over all its samples
            for k, x in metric_profile(out, syms, kinds, pair, len(v), overhead, per).items():
                prof[k] += x * len(v) / len(values)
            rep = int(g["rep"].iloc[0])
            for st, xs in footprint_values(out, kinds).items():
                fp[st] += [(rep, x) for x in xs]
            # runs whose footprint the plugin did not keep (beyond its 32
            # distinct footprints of one kind)
            dropped += sum(out.kinds[k]["other"] for k in kinds)
        rows.append({"workload": workload, "params": params, "metric": metric,
                     "runs": int(cfg["run_id"].nunique()), "per": per, "overhead": overhead,
                     "samples": len(values), "mean": float(values.mean()) / per,
                     "median": float(np.median(values)) / per, "pair": pairs[0],
                     "profile": {k: x for k, x in prof.items() if abs(x) > 1e-9},
                     "footprint": fp, "footprint_dropped": dropped})
    return rows


def fmt(x):
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-9 else f"{x:,.2f}"


def write_profile(path, stream=None, image=None, res=None):
    """Write profile.csv, profile.md, plots/profile.* and the footprint rows of
    summary.csv (`res`: the directory already loaded, as analyse takes it)."""
    path = Path(path)
    rows = analyse(path, image, res)
    with open(path / schema.PROFILE_CSV, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(schema.PROFILE_COLUMNS)
        for r in rows:
            for (sym, sp), v in sorted(r["profile"].items(), key=lambda kv: -kv[1]):
                w.writerow([r["workload"], r["params"], r["metric"], sym, sp, f"{v:.10g}"])
    md = [f"# Profile of {path.name}\n",
          "Instructions per operation by symbol (QEMU plugin, exact mode: deterministic, one "
          "count per instruction). The measurement overhead (the timing code and the "
          "closing counter read) is subtracted from the symbols holding the counter reads. Footprint: distinct 64-byte lines; misses: the "
          "plugin's Cortex-A53 model (L1 I 32 KiB 2-way, L1 D 32 KiB 4-way, L2 512 KiB 16-way, "
          "LRU), per run of the path, median over its runs; a model, not a measurement.\n"]
    for r in rows:
        total = sum(r["profile"].values())
        md.append(f"## {r['workload']} {r['params']}: {r['metric']}\n")
        md.append(f"{r['samples']} samples ({r['runs']} run{'s' if r['runs'] != 1 else ''}), median {fmt(r['median'])}, mean {fmt(r['mean'])} "
                  f"instructions per operation; the profile's total {fmt(total)}; counter reads "
                  f"at {r['pair'][0]:#x} -> {r['pair'][1]:#x}.\n")
        md.append("| symbol | space | instructions |\n| --- | --- | ---: |")
        for (sym, sp), v in sorted(r["profile"].items(), key=lambda kv: -kv[1]):
            md.append(f"| `{sym}` | {sp} | {fmt(v)} |")
        md.append(f"| **total** | | **{fmt(total)}** |\n")
        fp = {s: float(np.median([x for _, x in v])) if v else math.nan
              for s, v in r["footprint"].items()}
        md.append("| I lines | D lines | L1 I misses cold | L1 D cold | L2 cold | "
                  "L1 I hot | L1 D hot | L2 hot |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        md.append("| " + " | ".join(fmt(fp[s]) for s in STATS) + " |\n")
        if r["footprint_dropped"]:
            md.append(f"(The footprint leaves out {r['footprint_dropped']} runs of the path: "
                      f"the plugin keeps 32 distinct footprints of one interval kind.)\n")
    (path / schema.PROFILE_MD).write_text("\n".join(md) + "\n")
    add_summary_rows(path, rows)
    plot(path, rows)
    if stream:
        stream.write("\n".join(md) + "\n")
    return rows


def add_summary_rows(path, rows):
    """summary.csv gains the footprint rows (replacing any it had)."""
    from .stats import summarize
    recs = []
    for r in rows:
        for s, vals in r["footprint"].items():
            for rep, v in vals:
                recs.append({"workload": r["workload"], "metric": f"{r['metric']}.{s}",
                             "params": r["params"], "platform": "virt",
                             "counter": schema.PLUGIN_COUNTER,
                             "unit": schema.PLUGIN_METRICS[s], "mode": "exact", "rep": rep,
                             "cost": float(v)})
    extra = summarize(pd.DataFrame(recs)) if recs else None
    p = path / schema.SUMMARY
    table = pd.read_csv(p, dtype={c: str for c in schema.CONFIG_KEY}, keep_default_na=False,
                        na_values={c: [""] for c in schema.STAT_COLUMNS})
    table = table[table["counter"] != schema.PLUGIN_COUNTER]
    if extra is not None:
        table = pd.concat([table, extra], ignore_index=True)
    table.to_csv(p, index=False, float_format="%.10g")
    from .summary import NOTE, markdown_table
    (path / schema.SUMMARY_MD).write_text(
        f"# Summary of {path.name}\n\n{NOTE} Rows of counter `{schema.PLUGIN_COUNTER}` "
        f"(units lines, misses) come from the QEMU plugin: distinct 64-byte lines and misses "
        f"of a modelled Cortex-A53 per run of the operation's path, never measured cycles "
        f"({schema.PROFILE_MD}).\n\n" + markdown_table(table), encoding="utf-8")


def parse(row):
    return schema.parse_params(row["params"])


def bar_labels(rows):
    """One label per row: workload, the parameters that tell it apart, metric."""
    from bench.schema import parse_params
    params = [parse_params(r["params"]) for r in rows]
    keys = {k for p in params for k in p}
    # A parameter every row that has it sets alike tells no row apart.
    common = {k for k in keys if len({p[k] for p in params if k in p}) == 1}
    quiet = common | set(schema.COMMON_PARAMS)
    out = []
    for r, p in zip(rows, params):
        words = " ".join(f"{k}={v}" for k, v in sorted(p.items()) if k not in quiet)
        out.append(f"{r['workload']}{' ' + words if words else ''}: {r['metric']}")
    return out, {k: v for k, v in params[0].items() if k in common and k not in ("seed",)}


def plot(path, rows):
    """Horizontal stacked bars: each operation's instructions by symbol.

    Absolute instructions when the operations are of one order of magnitude;
    otherwise each bar is its operation's 100% (the total printed beside it),
    so that a 31-instruction path and a 7,000-instruction one both show.
    """
    if not rows:
        return
    labels, common = bar_labels(rows)
    totals = np.array([sum(r["profile"].values()) for r in rows])
    share = totals.max() > 10 * max(totals.min(), 1e-9)
    # Each bar's largest symbol gets a colour of its own, then the symbols
    # with the largest shares summed over the bars, MAX_SYMBOLS in all; the
    # rest are "other symbols".
    weight = defaultdict(float)
    for r, t in zip(rows, totals):
        for k, v in r["profile"].items():
            weight[k] += v / t
    tops = [max(r["profile"], key=r["profile"].get) for r in rows if r["profile"]]
    ranked = [k for k, _ in sorted(weight.items(), key=lambda kv: -kv[1])]
    shown = list(dict.fromkeys(tops + ranked))[:MAX_SYMBOLS]
    rest = [k for k in ranked if k not in shown]
    # tall enough for the bars and for the legend beside them
    entries = len(shown) + bool(rest)
    fig, (ax,) = style.figure(1, width=style.FULL if len(rows) > 2 else style.COLUMN * 1.6,
                              height=max(0.9 + 0.28 * len(rows), 0.5 + 0.14 * entries))
    y = np.arange(len(rows))[::-1]
    left = np.zeros(len(rows))
    for i, k in enumerate(shown + (["other"] if rest else [])):
        vals = np.array([sum(r["profile"].get(x, 0.0) for x in rest) if k == "other"
                         else r["profile"].get(k, 0.0) for r in rows])
        vals = np.clip(vals, 0, None)
        if share:
            vals = 100 * vals / totals
        name = "other symbols" if k == "other" else f"{k[0]} ({k[1]})"
        ax.barh(y, vals, left=left, height=0.65, label=name,
                color="#bbbbbb" if k == "other" else style.colour(i),
                hatch=None if k == "other" or i < len(style.PALETTE) else "////",
                edgecolor="white", linewidth=0.3)
        left += vals
    for yi, x, t in zip(y, left, totals):
        ax.text(x, yi, f" {fmt(t)}", va="center", ha="left", fontsize=6)
    ax.set_yticks(y, [style.wrap(lab, 40) for lab in labels])
    ax.set_xlim(0, left.max() * 1.18)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("share of the operation [% of its instructions (QEMU icount)]" if share
                  else style.axis_label("per operation", "instructions"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=6)
    note = " ".join(f"{k}={v}" for k, v in sorted(common.items())
                    if k not in ("iterations", "warmup") and all(k in parse(r) for r in rows))
    ax.set_title(style.wrap(f"instructions by symbol, exact mode (deterministic)"
                            f"{'; ' + note if note else ''}", 90), fontsize=7)
    style.save(fig, path / schema.PLOTS, "profile")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python3 -m analysis.profile RESULTS_DIR", file=sys.stderr)
        return 2
    try:
        write_profile(argv[0], sys.stdout)
    except ProfileError as e:
        print(f"analysis.profile: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
