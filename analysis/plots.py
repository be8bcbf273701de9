"""Draw the figures of a results directory into its plots/ (PDF for papers, PNG for the report).

Each figure is one function below; its docstring's first line is the
figure's title and the rest its caption (report.html shows both). A figure
whose workloads are not in the results is skipped with a logged note.
Panels never mix units: each panel holds one (platform, unit, mode).
plots/index.json lists what was drawn and what was skipped, and why.
"""

import json
import logging

import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from bench import schema

from . import anchors, style
from .load import COMMON_PARAMS, load_dir, param_keys, results_dir_cli
from .stats import median_ci

log = logging.getLogger("analysis.plots")

KEY = schema.CONFIG_KEY
PANEL = ["platform", "unit", "mode"]
# Orders that read naturally on an axis (others follow, sorted).
ORDER = {
    "wake": ["every", "transition", "announce", "poll", "futex", "eventfd"],
    "to": ["high", "low", "none"],
    "variant": ["naive", "cached", "batched"],
    "mech": ["ring", "ep"],
    "metric": ["call", "replyrecv"],
}


class SkipPlot(Exception):
    """The results hold nothing this figure draws; the message says what is missing."""


# --- helpers -----------------------------------------------------------------

def fmt(v):
    """A parameter value for a label: 4096 not 4096.0."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def ordered(values, key=None):
    """Values in ORDER[key] order, then the rest sorted (numbers numerically)."""
    values = list(dict.fromkeys(values))
    first = [v for v in ORDER.get(key, []) if v in values]
    rest = [v for v in values if v not in first]
    try:
        rest.sort(key=float)
    except (TypeError, ValueError):
        rest.sort(key=str)
    return first + rest


def varying(df, exclude=()):
    """Parameter columns that take more than one value in ``df`` (the ones a label needs)."""
    out = []
    for col in param_keys(df):
        if col in exclude:
            continue
        vals = df[col].dropna()
        if len(vals) and vals.nunique() > 1:
            out.append(col)
    return out


def panels(df):
    """(platform, unit, mode) groups in a stable order, virt first: one panel each."""
    keys = sorted(map(tuple, df[PANEL].drop_duplicates().to_numpy()),
                  key=lambda k: (k[0] != "virt", k))
    if len(keys) == 1:
        return [(keys[0], df)]
    return [(k, df[(df["platform"] == k[0]).to_numpy() & (df["unit"] == k[1]).to_numpy()
                   & (df["mode"] == k[2]).to_numpy()]) for k in keys]


def panel_title(key):
    platform, unit, mode = key
    return f"{platform} ({mode})"


def configs(df):
    """One row per configuration: KEY, its parameters, median, bootstrap CI, p5, p95.

    Column ``_pos`` holds the positions of the configuration's rows in ``df``.
    """
    gb = df.groupby(KEY, sort=True)
    positions = gb.indices
    cost = df["cost"].to_numpy(dtype=float)
    rows = []
    params = param_keys(df)
    first = gb[params].first() if params else None
    for key in sorted(positions):
        x = cost[positions[key]]
        lo, hi = median_ci(x, key)
        p5, p50, p95 = np.percentile(x, [5, 50, 95])
        row = dict(zip(KEY, key))
        if first is not None:
            row.update(first.loc[key].to_dict())
        row.update(median=float(p50), ci_lo=lo, ci_hi=hi, p5=float(p5), p95=float(p95),
                   _pos=positions[key])
        rows.append(row)
    return pd.DataFrame(rows)


def mechanism(workload, metric, metrics_of):
    """"ep_call/call" when a workload has several metrics, else just the workload."""
    return f"{workload}/{metric}" if len(metrics_of.get(workload, ())) > 1 else workload


def label(row, keys):
    return " ".join(f"{k}={fmt(row[k])}" for k in keys if row.get(k) is not None
                    and not (isinstance(row[k], float) and np.isnan(row[k])))


def representatives(df):
    """For each mechanism (workload, metric) the configuration with the lowest median.

    Returns [(legend name, configs() row)], sorted by median.
    """
    cf = configs(df)
    metrics_of = df.groupby("workload")["metric"].unique().to_dict()
    chosen = []
    for (w, m), g in cf.groupby(["workload", "metric"]):
        best = g.sort_values("median").iloc[0]
        keys = varying(df[df["workload"] == w], exclude=COMMON_PARAMS)
        name = mechanism(w, m, metrics_of)
        extra = label(best, keys)
        chosen.append((f"{name} {extra}".strip(), best))
    chosen.sort(key=lambda c: c[1]["median"])
    return chosen


def series(cf, cols):
    """Split configurations into lines/bar series by ``cols``: [(values tuple, rows)], in ORDER."""
    cols = [c for c in cols if c in cf.columns]
    if not cols:
        return [((), cf)]
    by = cols if len(cols) > 1 else cols[0]
    parts = [(k if isinstance(k, tuple) else (k,), g)
             for k, g in cf.groupby(by, sort=False, dropna=False)]
    first = ordered([k[0] for k, _ in parts], cols[0])
    parts.sort(key=lambda kv: (first.index(kv[0][0]), tuple(str(v) for v in kv[0][1:])))
    return parts


def series_name(cols, values, bare=()):
    """"mech=ring variant=cached"; columns in ``bare`` show only their value."""
    return " ".join(fmt(v) if c in bare else f"{c}={fmt(v)}" for c, v in zip(cols, values))


def samples_of(df, row):
    """The rows of ``df`` of one configuration row of configs(df)."""
    return df.iloc[row["_pos"]]


def need(df, workloads, columns=()):
    """The rows of ``workloads``; SkipPlot when none, or when a needed parameter is absent."""
    sub = df[df["workload"].isin(workloads)]
    if sub.empty:
        raise SkipPlot(f"no {' or '.join(workloads)} workload in the results")
    for col in columns:
        if col not in sub.columns or sub[col].isna().all():
            raise SkipPlot(f"{'/'.join(workloads)} results have no '{col}' parameter")
    return sub


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

def latency_cdf(df):
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
        chosen = representatives(g)
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


def latency_box(df):
    """Cost per mechanism (box plots).

    One box per mechanism, the configuration with the lowest median of each:
    the box spans the quartiles, the line is the median, whiskers reach the
    5th and 95th percentiles (outliers not drawn). Platforms side by side,
    each panel in its own unit.
    """
    if df.empty:
        raise SkipPlot("no samples")
    groups = panels(df)
    chosen_of = [representatives(g) for _, g in groups]
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


def bulk_size(df):
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
        cf = configs(g)
        others = varying(g, exclude=("size", "mech") + COMMON_PARAMS)
        for k, (lk, line) in enumerate(series(cf, ["mech"] + others)):
            line = line.sort_values("size")
            name = series_name(["mech"] + others, lk)
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


def ring_throughput(df):
    """Throughput against batch size per ring variant.

    Workload ring_throughput: one sample times a batch (per = batch size), so
    the throughput is batch / sample = 1 / median cost per message, shown per
    1000 instructions (QEMU icount) or cycles, or in millions per second when
    the unit is ns. Batch size on a log2 axis; one line per ring variant.
    """
    sub = need(df, ["ring_throughput"], ["batch"])
    groups = panels(sub)
    fig, axes = style.figure(ncols=len(groups))
    for ax, (key, g) in zip(axes, groups):
        one_unit(ax, key)
        cf = configs(g)
        scale = 1000.0  # per 1000 units; for ns: 1000/ns = M/s
        cols = [c for c in ["variant"] + varying(g, exclude=("batch", "variant") + COMMON_PARAMS)
                if c in cf.columns]
        for k, (lk, line) in enumerate(series(cf, cols)):
            line = line.sort_values("batch")
            thr = scale / line["median"]
            err = ci_err(thr, scale / line["ci_hi"], scale / line["ci_lo"])
            ax.errorbar(line["batch"], thr, yerr=err, color=style.colour(k), marker=style.marker(k),
                        linestyle=style.dash(k), capsize=2,
                        label=series_name(cols, lk) or "ring")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("batch size [messages per publish, log2]")
        ax.set_ylabel(style.per_unit_label("messages", key[1], key[0], key[2]))
        ax.set_ylim(bottom=0)
        ax.set_title(f"ring_throughput, {panel_title(key)}")
        legend(ax)
    return fig


def wake_protocols(df):
    """Wake-up protocols side by side.

    Workload ring_pingpong: the median round trip over two rings for each
    wake-up protocol (signal on every push, on the empty to non-empty
    transition, only when the consumer announced it will sleep, pure
    polling; on Linux futex and eventfd), one bar group per protocol and one
    bar per ring variant. Error bars: bootstrap 95% interval of the median.
    """
    sub = need(df, ["ring_pingpong"], ["wake"])
    groups = panels(sub)
    fig, axes = style.figure(ncols=len(groups))
    for ax, (key, g) in zip(axes, groups):
        one_unit(ax, key)
        cf = configs(g)
        wakes = ordered(cf["wake"], "wake")
        bars = varying(g, exclude=("wake",) + COMMON_PARAMS) or (["variant"] if "variant" in cf else [])
        parts = series(cf, bars)
        width = 0.8 / len(parts)
        for k, (sk, s) in enumerate(parts):
            s = s.set_index("wake").reindex(wakes)
            xs = np.arange(len(wakes)) + (k - (len(parts) - 1) / 2) * width
            ax.bar(xs, s["median"], width * 0.95, yerr=ci_err(s["median"], s["ci_lo"], s["ci_hi"]),
                   color=style.colour(k), capsize=2, label=series_name(bars, sk) or None)
        ax.set_xticks(range(len(wakes)), wakes)
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


def anchored_costs(df):
    """Notification and endpoint costs against seL4.

    Workloads ntfn_signal (by where the waiter is: higher priority, lower
    priority, none) and ep_call (Call and ReplyRecv by message length in
    words): median cost with its bootstrap 95% interval. Dashed marks are
    seL4's figures on the same emulated machine, counter and method
    (docs/anchors.md; range shaded where seL4 reports one); they are
    drawn only on exact-mode panels in instructions, where they are
    comparable.
    """
    sub = need(df, ["ntfn_signal", "ep_call"])
    cells = []
    for key, g in panels(sub):
        for w in ("ntfn_signal", "ep_call"):
            gw = g[g["workload"] == w]
            if len(gw):
                cells.append((key, w, gw))
    fig, axes = style.figure(ncols=len(cells), height=3.4)
    for ax, (key, w, g) in zip(axes, cells):
        one_unit(ax, key)
        cf = configs(g)
        xcol = "to" if w == "ntfn_signal" else "words"
        if xcol not in cf.columns:
            cf[xcol] = "-"
        marks = anchors.for_workload(w) if anchors.applies(*key) else []
        cats = ordered(list(cf[xcol]) + [a.params.get(xcol) for a in marks], xcol)
        cats = [c for c in cats if c is not None]
        bars = ["metric"] + varying(g, exclude=(xcol,) + COMMON_PARAMS)
        parts = series(cf, bars)
        present = {k[0] for k, _ in parts}
        for m in ORDER["metric"]:  # a metric seL4 reports gets its slot even when not run
            if any(a.metric == m for a in marks) and m not in present:
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
        metrics = ordered([k[0] for k, _ in parts], "metric")
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


def platforms(df):
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
    rows = max(len(configs(g)) for _, g in groups)
    fig, axes = style.figure(ncols=len(groups), height=max(2.4, 0.28 * rows + 1.0),
                             width=4.6 * len(groups))
    for ax, (key, g) in zip(axes, groups):
        one_unit(ax, key)
        cf = configs(g)
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


def make_plots(results_dir, figures=None):
    """Draw every figure of ``results_dir`` into its plots/; return the files written (Paths).

    Figures whose workloads are absent are skipped (logged, and listed in
    plots/index.json with the reason).
    """
    res = load_dir(results_dir)
    outdir = res.path / "plots"
    outdir.mkdir(exist_ok=True)
    files, index = [], {"figures": [], "skipped": []}
    for func in figures or FIGURES:
        name = func.__name__
        title, caption = describe(func)
        try:
            fig = func(res.samples)
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
