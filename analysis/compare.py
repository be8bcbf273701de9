"""Compare two results directories, A (before) and B (after), configuration by configuration.

For every configuration present in both (same workload, metric, params,
platform, counter, unit and mode):

- ratio = median(B) / median(A) of the cost per operation, with a
  percentile-bootstrap 95% interval (A and B resampled independently,
  fixed seeds: the output is deterministic);
- a two-sided Mann-Whitney U test over the per-repetition medians when both
  sides have at least 3 repetitions (with exactly 3 a side the smallest
  possible p is 0.1: use 4 or more to be able to reach 0.05); with fewer, a
  plain statement says so and the verdict rests on the bootstrap interval
  (which sees only the variation within runs);
- verdict: "no significant change" when |ratio - 1| is under the threshold
  (default 2%); "no significant change (+x%, p=...)" when it is over but the
  evidence is not significant; else "slower +x%" (B costs more) or
  "faster -x%";
- exact mode on a deterministic platform (unit instructions, mode exact,
  platform in bench/schema.py's DETERMINISTIC: the kernel, and Debian's Linux,
  on virt): identical sample sets are "identical" (ratio exactly 1); any
  difference is a real difference and is reported, whatever its size.

A geometric mean of the ratios sums up the whole comparison. Output:
compare.md, compare.csv, compare.tex (a booktabs table that \\input's as it
is), bencher.json (the ratios in Bencher Metric Format) and compare.pdf/.png in the output directory (default:
compare-<A>-vs-<B> beside B).
"""

import argparse
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu

from bench import schema

from . import style
from .load import ResultsError, load_dir
from .stats import bootstrap_medians, config_rng, percentile_interval, rep_medians
from .summary import markdown_table

THRESHOLD = 0.02
ALPHA = 0.05
MIN_REPS = 3

KEY = schema.CONFIG_KEY
COLUMNS = KEY + ["reps_a", "reps_b", "n_a", "n_b", "p50_a", "p50_b", "ratio", "ratio_ci_lo",
                 "ratio_ci_hi", "u_test", "p_value", "verdict"]


def is_exact(unit, mode, platform="virt"):
    """Deterministic counts: exact mode on a platform of schema.DETERMINISTIC (the kernel,
    and Debian's Linux, on virt): every boot repeats the samples byte for byte."""
    return unit == "instructions" and mode == "exact" and platform in schema.DETERMINISTIC


def change(ratio):
    return f"{(ratio - 1) * 100:+.1f}%"


def compare_config(key, a, b, threshold=THRESHOLD, alpha=ALPHA):
    """One configuration's row (a dict of COLUMNS) from its A rows and B rows."""
    unit, mode, platform = key[KEY.index("unit")], key[KEY.index("mode")], key[KEY.index("platform")]
    xa, xb = a["cost"].to_numpy(dtype=float), b["cost"].to_numpy(dtype=float)
    ra, rb = rep_medians(a), rep_medians(b)
    ma, mb = float(np.median(xa)), float(np.median(xb))
    row = dict(zip(KEY, key), reps_a=len(ra), reps_b=len(rb), n_a=len(xa), n_b=len(xb),
               p50_a=ma, p50_b=mb, ratio=np.nan, ratio_ci_lo=np.nan, ratio_ci_hi=np.nan,
               u_test="", p_value=np.nan, verdict="")
    exact = is_exact(unit, mode, platform)
    if exact and len(xa) == len(xb) and np.array_equal(np.sort(xa), np.sort(xb)):
        row.update(ratio=1.0, ratio_ci_lo=1.0, ratio_ci_hi=1.0,
                   u_test="exact mode: identical samples", verdict="identical")
        return row
    if ma <= 0:
        row.update(u_test="median of A is not positive: no ratio",
                   verdict="different" if exact or ma != mb else "no significant change")
        return row

    ratio = mb / ma
    draws = bootstrap_medians(xb, config_rng(key, 2)) / bootstrap_medians(xa, config_rng(key, 1))
    lo, hi = percentile_interval(draws[np.isfinite(draws)])
    row.update(ratio=ratio, ratio_ci_lo=lo, ratio_ci_hi=hi)

    if exact:
        row["u_test"] = "exact mode: samples differ (deterministic counts: the difference is real)"
        row["verdict"] = ("different (equal medians)" if ratio == 1.0
                          else ("slower " if ratio > 1 else "faster ") + change(ratio))
        return row

    if len(ra) >= MIN_REPS and len(rb) >= MIN_REPS:
        res = mannwhitneyu(rb.to_numpy(), ra.to_numpy(), alternative="two-sided")
        p = float(res.pvalue)
        floor = 2 / math.comb(len(ra) + len(rb), len(ra))  # smallest two-sided exact p
        note = f"; the exact test cannot go below p={floor:.2g}" if floor >= alpha else ""
        row.update(p_value=p, u_test=f"U={res.statistic:g}, p={p:.3g} ({len(ra)} vs {len(rb)} reps{note})")
        significant, evidence = p < alpha, f"p={p:.2g}"
    else:
        row["u_test"] = (f"too few repetitions for a U test ({len(ra)} vs {len(rb)}; "
                         f"needs {MIN_REPS} a side): verdict from the bootstrap interval")
        significant, evidence = not (lo <= 1.0 <= hi), "CI includes 1"

    if abs(ratio - 1) < threshold:
        row["verdict"] = "no significant change"
    elif not significant:
        row["verdict"] = f"no significant change ({change(ratio)}, {evidence})"
    else:
        row["verdict"] = ("slower " if ratio > 1 else "faster ") + change(ratio)
    return row


def compare(a_dir, b_dir, threshold=THRESHOLD, alpha=ALPHA):
    """Compare two results directories: (table of COLUMNS, keys only in A, keys only in B)."""
    a, b = load_dir(a_dir).samples, load_dir(b_dir).samples
    ga = dict(iter(a.groupby(KEY))) if len(a) else {}
    gb = dict(iter(b.groupby(KEY))) if len(b) else {}
    rows = [compare_config(k, ga[k], gb[k], threshold, alpha) for k in sorted(set(ga) & set(gb))]
    table = pd.DataFrame(rows, columns=COLUMNS)
    if table.empty:  # the statistics columns stay numbers, so every consumer can test them
        table = table.astype({c: float for c in COLUMNS[len(KEY):] if c not in ("u_test", "verdict")})
    return table, sorted(set(ga) - set(gb)), sorted(set(gb) - set(ga))


def geomean(table):
    """Geometric mean of the finite, positive ratios (NaN when there are none)."""
    r = table["ratio"].to_numpy(dtype=float)
    r = r[np.isfinite(r) & (r > 0)]
    return float(np.exp(np.mean(np.log(r)))) if len(r) else math.nan


def labels(table, skip=()):
    """Short configuration names: workload/metric, the parameters that vary, the platform.

    Parameters in ``skip`` are left out unless two names would then be the same.
    """
    if skip:
        short = labels(table.assign(params=[";".join(w for w in p.split(";") if w and
                                                     w.split("=")[0] not in skip)
                                            for p in table["params"]]))
        full = list(zip(table["workload"], table["metric"], table["params"], table["platform"],
                        table["counter"], table["unit"], table["mode"]))
        if len(set(short)) == len(set(full)):
            return short
    
    params = [schema.parse_params(p) for p in table["params"]]
    values = {}  # (workload, platform) -> key -> set of values seen
    for w, plat, p in zip(table["workload"], table["platform"], params):
        for k, v in p.items():
            values.setdefault((w, plat), {}).setdefault(k, set()).add(v)
    out = []
    for w, m, plat, p in zip(table["workload"], table["metric"], table["platform"], params):
        keys = [k for k in sorted(p) if len(values[(w, plat)][k]) > 1]
        text = f"{w}/{m}" + "".join(f" {k}={p[k]}" for k in keys)
        out.append(f"{text} ({plat})")
    return out


def summary_line(table, threshold):
    g = geomean(table)
    counts = table["verdict"].str.split(" ").str[0].value_counts()
    parts = [f"{counts.get(v, 0)} {v}" for v in ("slower", "faster", "identical", "different")
             if counts.get(v, 0)]
    nochange = int(table["verdict"].str.startswith("no significant change").sum())
    if nochange:
        parts.append(f"{nochange} no significant change")
    if math.isnan(g):
        return "Geometric mean of B/A: none (no configuration with a ratio)."
    return (f"Geometric mean of B/A over {int(np.isfinite(table['ratio']).sum())} configurations: "
            f"{g:.4f} ({change(g)}); " + ", ".join(parts) + f" (threshold {threshold:.1%}).")


def plot(table, outdir, title):
    """compare.pdf and compare.png of figure(table, title) in outdir; returns their paths."""
    return style.save(figure(table, title), outdir, "compare")


MAX_ROWS = 24   # rows a compare figure draws: about 6 in at most, a glance, not a list


def changed(table):
    """Rows whose verdict is a change (slower, faster, different), not identical or
    no significant change."""
    first = table["verdict"].str.split(" ").str[0]
    return first.isin(["slower", "faster", "different"])


def unchanged_counts(table):
    """"40 identical, 9 no significant change" of the rows that are not a change."""
    rest = table[~changed(table)]
    parts = [f"{int(rest['verdict'].eq('identical').sum())} identical",
             f"{int(rest['verdict'].str.startswith('no significant change').sum())} no significant change",
             f"{int((~rest['verdict'].eq('identical') & ~rest['verdict'].str.startswith('no significant change')).sum())} without a ratio"]
    return ", ".join(p for p in parts if not p.startswith("0 "))


def drawn_rows(table, max_rows=MAX_ROWS):
    """(the rows a compare figure draws, a note on those it leaves out or None).

    Every row with a ratio while they are at most ``max_rows``; beyond that
    only the rows that changed, and of those the ``max_rows`` that changed
    most (|log ratio|): the rest are counted in the note, and compare.md
    lists every configuration.
    """
    t = table[np.isfinite(table["ratio"])]
    if len(t) <= max_rows:
        return t, None
    c = t[changed(t)]
    notes = []
    if len(c) < len(t):
        notes.append(f"{len(t) - len(c)} unchanged not drawn ({unchanged_counts(t)})")
    if len(c) > max_rows:
        keep = np.argsort(-np.abs(np.log(c["ratio"].to_numpy(dtype=float))), kind="stable")[:max_rows]
        notes.append(f"the {max_rows} largest of {len(c)} changes drawn")
        c = c.iloc[np.sort(keep)]
    return c, f"{len(c)} of {len(table)} configurations: " + "; ".join(notes) + "; compare.md lists all"


def figure(table, title):
    """Ratio of medians B/A per configuration with its 95% interval, sorted, a line at 1.

    Read at a glance: one row per configuration, sorted by ratio (faster at
    the bottom), a dot coloured by verdict with its bootstrap interval, the
    line at 1 and the band of no significant change shaded; units never
    matter (a ratio is dimensionless), so every platform shares one axis,
    logarithmic when the ratios span more than a factor 4 (then 0.5 and 2
    are equally far from 1). Each ratio is printed beside its interval.
    At most MAX_ROWS rows: beyond that only the configurations that changed
    (the largest changes first), and the title counts the rest, so the
    figure stays under a page whatever the comparison holds.
    ``title``: (title, threshold).
    """
    from .plots import finish, legend_below
    from .data import COMMON_PARAMS
    ok = np.isfinite(table["ratio"])
    names = pd.Series([style.wrap(lab, 40) for lab in labels(table, skip=COMMON_PARAMS)],
                      index=table.index, dtype=object) if len(table) else pd.Series([], dtype=object)
    t, note = drawn_rows(table)
    t = t.copy()
    t["label"] = names.loc[t.index] if len(t) else []
    t = t.sort_values("ratio", kind="stable")
    # Rows are evenly spaced: the pitch is the tallest label's (lines at 6.5 pt, a gap).
    lines = max([lab.count("\n") + 1 for lab in t["label"]] or [1])
    fig, axes = style.figure(ncols=1, width=style.FULL if len(t) > 12 else style.COLUMN,
                             height=max(len(t), 1) * (0.1 * lines + 0.06) + 1.7 + (0.3 if note else 0))
    ax = axes[0]
    ax.set_gid("unit=dimensionless")
    colour = {"slower": style.PALETTE[3], "faster": style.PALETTE[0], "identical": style.PALETTE[6],
              "different": style.PALETTE[4], "no": style.PALETTE[5]}
    ys = np.arange(len(t))
    cs = [colour.get(v.split(" ")[0], "grey") for v in t["verdict"]]
    err = np.vstack([np.maximum(t["ratio"] - t["ratio_ci_lo"], 0),
                     np.maximum(t["ratio_ci_hi"] - t["ratio"], 0)])
    ax.errorbar(t["ratio"], ys, xerr=err, fmt="none", ecolor="#555555", capsize=2, zorder=2)
    ax.scatter(t["ratio"], ys, c=cs, zorder=3, s=18, edgecolors="black", linewidths=0.4)
    ax.axvline(1.0, color="black", linewidth=0.8)
    th = title[1]
    ax.axvspan(1 - th, 1 + th, color="#cccccc", alpha=0.5, zorder=0,
               label=f"±{th:.0%}: no significant change")
    for v, c in colour.items():
        if any(x.split(" ")[0] == v for x in t["verdict"]):
            ax.scatter([], [], c=c, s=18, edgecolors="black", linewidths=0.4,
                       label="no significant change" if v == "no" else v)
    lo = np.nanmin(np.r_[t["ratio_ci_lo"], 1 - th]) if len(t) else 1 - th
    hi = np.nanmax(np.r_[t["ratio_ci_hi"], 1 + th]) if len(t) else 1 + th
    if hi / lo > 4:
        ax.set_xscale("log")
    ax.set_yticks(ys, t["label"], fontsize=6.5)
    ax.set_ylim(-0.6, max(len(t), 1) - 0.4)
    for y, r, h in zip(ys, t["ratio"], t["ratio_ci_hi"]):
        ax.annotate(f"{r:.3g}", (max(r, h) if np.isfinite(h) else r, y), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=6)
    x0, x1 = ax.get_xlim()
    ax.set_xlim(x0, x1 * 1.15 if ax.get_xscale() == "log" else x1 + 0.12 * (x1 - x0))
    if not len(t):
        ax.set_yticks([])
        ax.annotate(style.wrap(f"no change in {len(table)} configurations"
                               + (f" ({unchanged_counts(table)})" if len(table) else ""), 40),
                    (0.5, 0.5), xycoords="axes fraction", ha="center", va="center", fontsize=7,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 2})
    ax.set_xlabel("ratio of medians B/A\n[dimensionless; < 1: B faster]")
    width = 48 if fig.get_figwidth() == style.COLUMN else 100
    ax.set_title(style.wrap(title[0] + (f": {note}" if note else ""), width))
    ax.grid(axis="y", visible=False)
    if len(t):
        legend_below(ax)
    return finish(fig)


LONG_TABLE = 40   # rows past which compare.tex is a longtable (breaks across pages)


def latex_table(table, threshold):
    """The comparison as a booktabs table that fits a portrait page at normal size.

    Columns: configuration (with its unit), medians, ratio, interval,
    verdict; configuration and verdict wrap within fractions of the line
    width.  The rows that changed (slower, faster, different) are listed; the
    rest are counted in a last line (compare.md lists every configuration),
    and a list longer than LONG_TABLE rows is a longtable (preamble:
    \\usepackage{booktabs,longtable}) that breaks across pages.
    """
    from .exports import tex_escape, tex_num
    rows = table[changed(table)] if len(table) else table
    long = len(rows) > LONG_TABLE
    env = "longtable" if long else "tabular"
    cols = r"@{}p{0.3\linewidth}rrrlp{0.17\linewidth}@{}"
    head = [r"\toprule",
            r"configuration [unit] & median A & median B & B/A & 95\% CI & verdict \\", r"\midrule"]
    out = [f"% ratio of medians B/A per configuration (threshold {threshold:.1%}); ipclab analysis.compare",
           r"{\setlength{\tabcolsep}{4pt}%", rf"\begin{{{env}}}{{{cols}}}"] + head
    if long:
        out += [r"\endfirsthead", r"\toprule",
                r"configuration [unit] & median A & median B & B/A & 95\% CI & verdict \\",
                r"\midrule", r"\endhead"]
    labs = dict(zip(table.index, labels(table))) if len(table) else {}
    for i, r in rows.iterrows():
        ratio = f"{r['ratio']:.3f}" if np.isfinite(r["ratio"]) else "--"
        ci = (f"{r['ratio_ci_lo']:.3f}--{r['ratio_ci_hi']:.3f}" if np.isfinite(r["ratio_ci_lo"])
              else "--")
        out.append(" & ".join([tex_escape(labs[i]) + " [" + tex_escape(r["unit"]) + "]",
                               tex_num(r["p50_a"]), tex_num(r["p50_b"]), ratio, ci,
                               tex_escape(r["verdict"])]) + r" \\")
    rest = len(table) - len(rows)
    if rest or not len(rows):
        out.append(r"\midrule")
        text = (f"{rest} more configurations without a change ({unchanged_counts(table)}); "
                "compare.md lists every one" if rest else "no configuration in both A and B")
        out.append(rf"\multicolumn{{6}}{{@{{}}p{{0.95\linewidth}}}}{{{tex_escape(text)}}} \\")
    out += [r"\bottomrule", rf"\end{{{env}}}", "}", ""]
    return "\n".join(out)


BENCHER = "bencher.json"


def ratio_measure(row):
    """The Bencher measure of a ratio: "<metric> [B/A of <unit>]" (exports.MEASURE_NAME's shape)."""
    return f"{row['metric']} [B/A of {row['unit']}]"


def bencher(table):
    """The comparison in Bencher Metric Format: per configuration (exports.bench_name)
    one measure "<metric> [B/A of <unit>]", value = the ratio of medians B/A,
    lower/upper = its bootstrap 95% interval; configurations without a ratio are
    left out.  exports.read_bencher reads it back."""
    from .exports import bench_name
    out = {}
    for r in table.to_dict("records"):
        if not np.isfinite(r["ratio"]):
            continue
        m = {"value": float(r["ratio"])}
        if np.isfinite(r["ratio_ci_lo"]) and np.isfinite(r["ratio_ci_hi"]):
            m.update(lower_value=float(min(r["ratio_ci_lo"], r["ratio"])),
                     upper_value=float(max(r["ratio_ci_hi"], r["ratio"])))
        out.setdefault(bench_name(r), {})[ratio_measure(r)] = m
    return out


def write_compare(a_dir, b_dir, out=None, threshold=THRESHOLD, alpha=ALPHA):
    """Compare and write compare.md, compare.csv and the plot; return (table, out dir)."""
    a_dir, b_dir = Path(a_dir), Path(b_dir)
    out = Path(out) if out else b_dir.resolve().parent / f"compare-{a_dir.resolve().name}-vs-{b_dir.resolve().name}"
    table, only_a, only_b = compare(a_dir, b_dir, threshold, alpha)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "compare.csv", index=False, float_format="%.10g")
    (out / "compare.tex").write_text(latex_table(table, threshold), encoding="utf-8")
    (out / BENCHER).write_text(json.dumps(bencher(table), indent=1) + "\n", encoding="utf-8")
    files = plot(table, out, (f"{b_dir.name} vs {a_dir.name}", threshold))

    show = pd.DataFrame({
        "configuration": labels(table) if len(table) else [],
        "unit": [style.unit_label(u, p) for u, p in zip(table["unit"], table["platform"])],
        "p50 A": table["p50_a"], "p50 B": table["p50_b"],
        "B/A": [f"{r:.4f}" if np.isfinite(r) else "" for r in table["ratio"]],
        "95% CI": [f"[{lo:.4f}, {hi:.4f}]" if np.isfinite(lo) else ""
                   for lo, hi in zip(table["ratio_ci_lo"], table["ratio_ci_hi"])],
        "test": table["u_test"], "verdict": table["verdict"],
    })
    lines = [f"# Comparison: B = {b_dir} against A = {a_dir}", "",
             summary_line(table, threshold), "",
             "Ratio of medians of the cost per operation (value / per), B/A; below 1 B is faster. "
             "95% CI: percentile bootstrap, fixed seeds. Test: two-sided Mann-Whitney U over the "
             f"repetition medians (alpha {alpha}) when each side has {MIN_REPS} or more repetitions. "
             "Exact mode (QEMU icount instructions): identical samples are identical, any "
             "difference is real.", "",
             markdown_table(show) if len(show) else "No configuration is in both A and B.\n"]
    for name, keys in (("A", only_a), ("B", only_b)):
        if keys:
            lines.append(f"Only in {name} ({len(keys)}): " +
                         "; ".join(f"{k[0]}/{k[1]} {k[2]} ({k[3]})" for k in keys) + "\n")
    lines.append(f"Plot: {', '.join(f.name for f in files)}\n")
    (out / "compare.md").write_text("\n".join(lines), encoding="utf-8")
    return table, out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a", type=Path, help="results directory A (before)")
    ap.add_argument("b", type=Path, help="results directory B (after)")
    ap.add_argument("--out", type=Path, help="output directory (default: compare-<A>-vs-<B> beside B)")
    ap.add_argument("--threshold", type=float, default=THRESHOLD,
                    help="relative change under which nothing is called a change (default 0.02)")
    ap.add_argument("--alpha", type=float, default=ALPHA, help="significance level (default 0.05)")
    args = ap.parse_args(argv)
    try:
        _, out = write_compare(args.a, args.b, args.out, args.threshold, args.alpha)
    except ResultsError as e:
        raise SystemExit(f"error: {e}")
    print((out / "compare.md").read_text(encoding="utf-8"))
    print(f"written to {out}/")


if __name__ == "__main__":
    main()
