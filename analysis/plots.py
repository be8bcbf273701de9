"""Draw the figures of a results directory into its plots/ (PDF for papers, PNG for the report).

Each figure is one function below, ``figure(df, summary=None)``: ``df`` the
tidy sample frame (load.py), ``summary`` its summary table (stats.summarize,
or summary.csv read back), whose medians and bootstrap intervals the figure
shows; None computes it from ``df``.  The docstring's first line is the
figure's title and the rest its caption (report.html shows both). A figure
whose workloads are not in the results raises SkipPlot and is skipped with
a logged note.  Panels never mix units: each panel holds one (platform,
unit, mode).  plots/index.json lists what was drawn and what was skipped,
and why.  Selecting, reshaping and ordering the data is data.py's.
"""

import json
import logging

import numpy as np
from matplotlib.patches import Rectangle

from bench import schema

from . import anchors, style
from .data import (COMMON_PARAMS, SkipPlot, configs, fmt, label, need, ordered_values, panels,
                   representatives, samples_of, series, series_columns, series_name, varying)
from .load import as_results, results_dir_cli
from .stats import summarize

log = logging.getLogger("analysis.plots")

__all__ = ["FIGURES", "SkipPlot", "describe", "make_plots"]


# --- axes --------------------------------------------------------------------

def panel_title(key):
    platform, unit, mode = key
    return f"{platform} ({mode})"


def wide(values):
    """True when values span more than a factor 20: a log axis reads better."""
    v = np.asarray([x for x in values if x > 0], dtype=float)
    return len(v) > 1 and v.max() / v.min() > 20


def ci_err(values, lo, hi):
    """Error-bar half-lengths from a median and its interval."""
    v, lo, hi = (np.asarray(a, dtype=float) for a in (values, lo, hi))
    return np.vstack([np.maximum(v - lo, 0), np.maximum(hi - v, 0)])


def axis_label(quantity, key):
    """An axis label carrying the unit of a (platform, unit, mode) panel."""
    platform, unit, mode = key
    return style.axis_label(quantity, unit, platform, mode)


def one_unit(ax, key):
    """Remember which unit a panel shows (tests check panels never mix units)."""
    ax.set_gid("unit=" + key[1])


def legend(ax, **kw):
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(**kw)


# --- the figures -------------------------------------------------------------

def latency_cdf(df, summary=None):
    """Latency CDF per mechanism.

    Empirical cumulative distribution of the cost of one operation, one line
    per mechanism (workload, and metric when it has several). For each
    mechanism the configuration with the lowest median is drawn; its
    distinguishing parameters are in the legend. One panel per platform and
    unit; the x axis ends just past the largest 99th percentile (the far
    tail is in the summary table).
    """
    if df.empty:
        raise SkipPlot("no samples")
    groups = panels(df)
    fig, axes = style.figure(ncols=len(groups), height=3.4, width=6.4 * len(groups))
    for ax, (key, g) in zip(axes, groups):
        one_unit(ax, key)
        chosen = representatives(g, summary)
        lows, p99s = [], []
        for k, (name, row) in enumerate(chosen):
            x = np.sort(samples_of(g, row)["cost"].to_numpy(dtype=float))
            y = np.arange(1, len(x) + 1) / len(x)
            ax.step(np.r_[x[0], x], np.r_[0, y], where="post", color=style.colour(k),
                    linestyle=style.dash(k), label=name)
            lows.append(x[0])
            p99s.append(np.percentile(x, 99))
        lo, hi = min(lows), max(p99s)
        log = wide([lo, hi])
        if log:
            ax.set_xscale("log")
        if hi > lo:  # rare far tails would squash the rest: stop at the largest p99
            ax.set_xlim(lo / 1.15 if log and lo > 0 else lo - 0.03 * (hi - lo),
                        hi * 1.15 if log else hi + 0.03 * (hi - lo))
        ax.set_xlabel(axis_label("cost per operation", key))
        ax.set_ylabel("fraction of samples [0-1]")
        ax.set_ylim(0, 1.02)
        ax.set_title(panel_title(key))
        legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)  # beside, off the lines
    return fig


def latency_box(df, summary=None):
    """Cost per mechanism (box plots).

    One box per mechanism, the configuration with the lowest median of each:
    the box spans the quartiles, the line is the median, whiskers reach the
    5th and 95th percentiles (outliers not drawn). Platforms side by side,
    each panel in its own unit.
    """
    if df.empty:
        raise SkipPlot("no samples")
    groups = panels(df)
    chosen_of = [representatives(g, summary) for _, g in groups]
    height = max(2.6, 0.3 * max(len(c) for c in chosen_of) + 1.0)
    fig, axes = style.figure(ncols=len(groups), height=height, width=4.8 * len(groups))
    for ax, (key, g), chosen in zip(axes, groups, chosen_of):
        one_unit(ax, key)
        data = [samples_of(g, row)["cost"].to_numpy(dtype=float) for _, row in chosen]
        bp = ax.boxplot(data, vert=False, whis=(5, 95), showfliers=False, patch_artist=True,
                        medianprops={"color": "black"}, widths=0.6)
        for k, box in enumerate(bp["boxes"]):
            box.set_facecolor(style.colour(k))
            box.set_alpha(0.75)
        # A dot on the median keeps zero-spread (exact-mode) boxes visible.
        ax.scatter([np.median(d) for d in data], range(1, len(data) + 1), s=14, zorder=3,
                   color=[style.colour(k) for k in range(len(data))], edgecolors="black",
                   linewidths=0.5)
        ax.set_yticks(range(1, len(chosen) + 1), [name for name, _ in chosen], fontsize=7)
        if wide(np.concatenate(data)):
            ax.set_xscale("log")
        ax.set_xlabel(axis_label("cost per operation", key))
        ax.set_title(panel_title(key))
        ax.grid(axis="y", visible=False)
    return fig


def bulk_size(df, summary=None):
    """Cost against message size, ring against endpoint.

    Workload bulk: the median cost of moving one message from sender to
    receiver through a shared ring (zero copy, mech=ring) and through an
    endpoint (copied page by page, mech=ep), against the message size in
    bytes (log2 axis). Error bars: bootstrap 95% interval of the median.
    """
    sub = need(df, ["bulk"], ["size", "mech"])
    groups = panels(sub)
    fig, axes = style.figure(ncols=len(groups))
    for ax, (key, g) in zip(axes, groups):
        one_unit(ax, key)
        cf = configs(g, summary)
        cols = series_columns(cf, g, "size", first=["mech"])
        for k, (lk, line) in enumerate(series(cf, cols)):
            line = line.sort_values("size")
            name = series_name(cols, lk)
            ax.errorbar(line["size"], line["median"],
                        yerr=ci_err(line["median"], line["ci_lo"], line["ci_hi"]),
                        color=style.colour(k), marker=style.marker(k), linestyle=style.dash(k),
                        capsize=2, label=name)
        ax.set_xscale("log", base=2)
        if wide(cf["median"]):
            ax.set_yscale("log")
        ax.set_xlabel("message size [bytes, log2]")
        ax.set_ylabel(axis_label("cost per message", key))
        ax.set_title(f"bulk, {panel_title(key)}")
        legend(ax)
    return fig


def ring_throughput(df, summary=None):
    """Ring throughput per variant.

    Workload ring_throughput: one sample times a batch of per messages, so
    the throughput is 1 / median cost per message, shown per 1000
    instructions (QEMU icount) or cycles, or in millions per second when the
    unit is ns. Where the batch size varies, one line per ring variant
    against it (log2 axis); otherwise one bar per variant the results hold
    (in the sweep's order), one series per any other parameter that varies.
    Error bars: the bootstrap 95% interval of the median, carried over.
    """
    sub = need(df, ["ring_throughput"], ["variant"])
    groups = panels(sub)
    fig, axes = style.figure(ncols=len(groups))
    scale = 1000.0  # per 1000 units; for ns: 1000/ns = M/s
    for ax, (key, g) in zip(axes, groups):
        one_unit(ax, key)
        cf = configs(g, summary)
        by_batch = "batch" in cf.columns and cf["batch"].nunique() > 1
        if by_batch:
            cols = series_columns(cf, g, "batch", first=["variant"])
            for k, (lk, line) in enumerate(series(cf, cols)):
                line = line.sort_values("batch")
                thr = scale / line["median"]
                err = ci_err(thr, scale / line["ci_hi"], scale / line["ci_lo"])
                ax.errorbar(line["batch"], thr, yerr=err, color=style.colour(k),
                            marker=style.marker(k), linestyle=style.dash(k), capsize=2,
                            label=series_name(cols, lk))
            ax.set_xscale("log", base=2)
            ax.set_xlabel("batch size [messages per publish, log2]")
        else:
            variants = ordered_values(cf, "variant")
            others = series_columns(cf, g, "variant")
            parts = series(cf, others)
            width = 0.8 / len(parts)
            for k, (sk, s) in enumerate(parts):
                s = s.set_index("variant").reindex(variants)
                thr = scale / s["median"]
                xs = np.arange(len(variants)) + (k - (len(parts) - 1) / 2) * width
                ax.bar(xs, thr, width * 0.95, color=style.colour(k), capsize=2,
                       yerr=ci_err(thr, scale / s["ci_hi"], scale / s["ci_lo"]),
                       label=series_name(others, sk) or None)
            ax.set_xticks(range(len(variants)), variants)
            ax.set_xlabel("ring variant")
        ax.set_ylabel(style.per_unit_label("messages", key[1], key[0], key[2]))
        ax.set_ylim(bottom=0)
        ax.set_title(f"ring_throughput, {panel_title(key)}")
        legend(ax)
    return fig


def wake_protocols(df, summary=None):
    """Wake-up protocols side by side.

    Workload ring_pingpong: the median round trip over two rings, one bar
    group per wake-up protocol the results hold (the wake parameter, in the
    sweep's order) and one bar per ring variant (and per any other parameter
    that varies). Error bars: bootstrap 95% interval of the median. The
    value axis is logarithmic when the medians span more than a factor 20.
    """
    sub = need(df, ["ring_pingpong"], ["wake"])
    groups = panels(sub)
    fig, axes = style.figure(ncols=len(groups))
    for ax, (key, g) in zip(axes, groups):
        one_unit(ax, key)
        cf = configs(g, summary)
        wakes = ordered_values(cf, "wake")
        bars = series_columns(cf, g, "wake", first=["variant"])
        parts = series(cf, bars)
        width = 0.8 / len(parts)
        for k, (sk, s) in enumerate(parts):
            s = s.set_index("wake").reindex(wakes)
            xs = np.arange(len(wakes)) + (k - (len(parts) - 1) / 2) * width
            ax.bar(xs, s["median"], width * 0.95, yerr=ci_err(s["median"], s["ci_lo"], s["ci_hi"]),
                   color=style.colour(k), capsize=2, label=series_name(bars, sk) or None)
        ax.set_xticks(range(len(wakes)), wakes)
        if wide(cf["median"]):  # polling on one CPU waits for a tick: 10^4 times the rest
            ax.set_yscale("log")
        ax.set_xlabel("wake-up protocol")
        ax.set_ylabel(axis_label("round trip", key))
        ax.set_title(f"ring_pingpong, {panel_title(key)}")
        legend(ax)
    return fig


def _anchor_mark(ax, x0, x1, a, level=0, top=np.nan):
    """One seL4 figure as a labelled mark across the bars from x0 to x1 (range shaded when given).

    The label sits above both the mark and the bars (whose highest top is
    ``top``), raised by ``level`` lines so that neighbouring labels do not collide.
    """
    if a.lo is not None:
        ax.add_patch(Rectangle((x0, a.lo), x1 - x0, a.hi - a.lo, facecolor=style.ANCHOR_COLOUR,
                               alpha=0.18, edgecolor="none", zorder=3))
    ax.hlines(a.value, x0, x1, colors=style.ANCHOR_COLOUR, linewidth=2,
              linestyles="--", zorder=4, label="seL4, same QEMU and method (docs/anchors.md)")
    text = f"seL4 {a.value}" + (f"\n({a.lo}-{a.hi})" if a.lo is not None else "")
    y = max(a.hi if a.hi is not None else a.value, 0 if np.isnan(top) else top)
    ax.annotate(text, ((x0 + x1) / 2, y), xytext=(0, 2 + 9 * level), textcoords="offset points",
                ha="center", va="bottom", fontsize=6.5, color=style.ANCHOR_COLOUR, zorder=5,
                bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none",
                      "alpha": 0.8})


def anchored_costs(df, summary=None):
    """Notification and endpoint costs against seL4.

    Workloads ntfn_signal (by where the waiter is, the to parameter), ep_call
    (Call and ReplyRecv by message length in words) and ep_send (Send by
    message length): median cost with its bootstrap 95% interval. Dashed marks are
    seL4's figures on the same emulated machine, counter and method
    (docs/anchors.md; range shaded where seL4 reports one); they are
    drawn only on exact-mode panels in instructions, where they are
    comparable.
    """
    workloads = ["ntfn_signal", "ep_call", "ep_send"]
    sub = need(df, workloads)
    cells = []
    for key, g in panels(sub):
        for w in workloads:
            gw = g[g["workload"] == w]
            if len(gw):
                cells.append((key, w, gw))
    fig, axes = style.figure(ncols=len(cells), height=3.4)
    for ax, (key, w, g) in zip(axes, cells):
        one_unit(ax, key)
        cf = configs(g, summary)
        xcol = "to" if w == "ntfn_signal" else "words"
        if xcol not in cf.columns:
            cf[xcol] = "-"
        marks = anchors.for_workload(w) if anchors.applies(*key) else []
        cats = ordered_values(cf, xcol, extra=[a.params.get(xcol) for a in marks])
        bars = series_columns(cf, g, xcol, first=["metric"])
        parts = series(cf, bars)
        present = {k[0] for k, _ in parts}
        for m in dict.fromkeys(a.metric for a in marks):  # a metric seL4 reports gets its
            if m not in present:                          # slot even when not run
                parts.append(((m,) + (None,) * (len(bars) - 1), cf.iloc[0:0]))
        width = 0.8 / len(parts)
        slots = {}  # (metric, category) -> [(bar centre, bar top)]
        for k, (sk, s) in enumerate(parts):
            s = s.set_index(xcol).reindex(cats)
            xs = np.arange(len(cats)) + (k - (len(parts) - 1) / 2) * width
            name = series_name(bars, sk, bare=("metric",))
            ax.bar(xs, s["median"], width * 0.95, yerr=ci_err(s["median"], s["ci_lo"], s["ci_hi"]),
                   color=style.colour(k), capsize=2,
                   label=name if w == "ep_call" or len(parts) > 1 else None)
            for at, c in enumerate(cats):
                slots.setdefault((sk[0], c), []).append((xs[at], s["ci_hi"].iloc[at]))
        # Each seL4 figure once, across every bar of its metric and category.
        metrics = list(dict.fromkeys(k[0] for k, _ in parts))
        for a in marks:
            bars_at = slots.get((a.metric, a.params.get(xcol)))
            if not bars_at:
                continue
            x = [b[0] for b in bars_at]
            tops = [b[1] for b in bars_at if not np.isnan(b[1])]
            _anchor_mark(ax, min(x) - width * 0.475, max(x) + width * 0.475, a,
                         level=metrics.index(a.metric), top=max(tops) if tops else np.nan)
        ax.set_xticks(range(len(cats)), [fmt(c) for c in cats])
        ax.set_xlabel("waiter priority (to=)" if w == "ntfn_signal" else "message length [words]")
        ax.set_ylabel(axis_label("cost, one way", key))
        ax.set_title(f"{w}, {panel_title(key)}")
        ax.margins(y=0.3)
        handles, labels = ax.get_legend_handles_labels()
        uniq = dict(zip(labels, handles))
        if uniq:
            ax.legend(uniq.values(), uniq.keys(), fontsize=7, loc="upper right"
                      if w == "ntfn_signal" else "upper left")
    return fig


def platforms(df, summary=None):
    """The same workloads on each platform, side by side.

    Workloads that ran on more than one platform (e.g. ring_pingpong on virt
    and on Linux): median cost of each configuration with its bootstrap 95%
    interval, one panel per platform. Each panel keeps its own unit: QEMU
    instruction counts and Linux nanoseconds are never on one axis.
    """
    both = df.groupby(["workload", "metric"])["platform"].nunique()
    shared = [w for (w, m), n in both.items() if n > 1]
    if not shared:
        raise SkipPlot("no workload ran on more than one platform")
    sub = df[df["workload"].isin(shared)]
    groups = panels(sub)
    rows = max(len(configs(g, summary)) for _, g in groups)
    fig, axes = style.figure(ncols=len(groups), height=max(2.4, 0.28 * rows + 1.0),
                             width=4.6 * len(groups))
    for ax, (key, g) in zip(axes, groups):
        one_unit(ax, key)
        cf = configs(g, summary)
        keys = varying(g, exclude=COMMON_PARAMS)
        names = [f"{r['workload']} {label(r, keys)}".strip() for _, r in cf.iterrows()]
        cf = cf.assign(name=names).sort_values("median")
        ys = np.arange(len(cf))
        colours = [style.colour(shared.index(w)) for w in cf["workload"]]
        ax.barh(ys, cf["median"], xerr=ci_err(cf["median"], cf["ci_lo"], cf["ci_hi"]),
                color=colours, capsize=2, height=0.7)
        ax.set_yticks(ys, cf["name"], fontsize=7)
        ax.set_xlabel(axis_label("median cost per operation", key))
        ax.set_title(panel_title(key))
        ax.grid(axis="y", visible=False)
    return fig


FIGURES = [latency_cdf, latency_box, bulk_size, ring_throughput, wake_protocols,
           anchored_costs, platforms]


def describe(func):
    """(title, caption) from a figure function's docstring."""
    doc = (func.__doc__ or func.__name__).strip().split("\n\n")
    title = doc[0].strip().rstrip(".") + "."
    caption = " ".join(" ".join(doc[1:]).split()) if len(doc) > 1 else ""
    return title, caption


def make_plots(results, summary=None, figures=None):
    """Draw every figure into the results directory's plots/; return the files written (Paths).

    ``results``: a results directory (path) or its load.Results, already
    loaded (then nothing is read again).  ``summary``: its summary table
    (what summary.write_summary returned), whose medians and intervals the
    figures show; None computes it once here.  Figures whose workloads are
    absent are skipped (logged, and listed in plots/index.json with the reason).
    """
    res = as_results(results)
    if summary is None:
        summary = summarize(res.samples)
    outdir = res.path / schema.PLOTS
    outdir.mkdir(exist_ok=True)
    files, index = [], {"figures": [], "skipped": []}
    for func in figures or FIGURES:
        name = func.__name__
        title, caption = describe(func)
        try:
            fig = func(res.samples, summary)
        except SkipPlot as e:
            log.info("plot %s skipped: %s", name, e)
            index["skipped"].append({"name": name, "title": title, "reason": str(e)})
            continue
        paths = style.save(fig, outdir, name)
        files.extend(paths)
        index["figures"].append({"name": name, "title": title, "caption": caption,
                                 "files": [p.name for p in paths]})
    (outdir / "index.json").write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    return files


def main(argv=None):
    logging.basicConfig(format="%(message)s")
    logging.getLogger("analysis").setLevel(logging.INFO)
    _, files = results_dir_cli(__doc__, argv, make_plots)
    for f in files:
        print(f)


if __name__ == "__main__":
    main()
