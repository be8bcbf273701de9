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

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
from matplotlib.transforms import ScaledTranslation, blended_transform_factory

from bench import schema

from . import anchors, style
from .data import (COMMON_PARAMS, SkipPlot, configs, fmt, label, need, ordered_values, panels,
                   representatives, samples_of, series, series_columns, series_name, varying)
from .load import ResultsError, as_results, load_results, results_dir_cli
from .stats import summarize
from .summary import summary_of

log = logging.getLogger("analysis.plots")

__all__ = ["FIGURES", "SkipPlot", "describe", "make_plots"]


# --- axes --------------------------------------------------------------------

def panel_title(key):
    """"linux (timed), one CPU": platform, mode and, where it was measured, the placement."""
    head = f"{key.platform if key.platform else key.unit} ({key.mode})"
    if key.placement is None:
        return head
    where = {"same": "one CPU", "cross": "across CPUs"}.get(key.placement, f"placement={key.placement}")
    return f"{head}, {where}"


def wide(values):
    """True when values span more than a factor 10: on a linear axis the smallest would
    be a tenth of the tallest, too short to compare with its neighbours; a log axis reads better."""
    v = np.asarray([x for x in values if x > 0], dtype=float)
    return len(v) > 1 and v.max() / v.min() > 10


def log_scale(ax, axis, lowest=None):
    """A logarithmic value axis whose labelled ticks cover the data.

    Minor ticks stay unlabelled (3x10^3 beside 4x10^3 runs together); with
    ``lowest`` (the smallest value drawn) the axis starts at the power of 10
    at or below it, so the lowest row or point has a labelled tick under it
    instead of sitting on the spine beyond the last label.
    """
    a = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    a.set_major_locator(LogLocator(base=10, numticks=9))   # every decade, up to 8 of them
    a.set_minor_formatter(NullFormatter())
    if lowest is not None and np.isfinite(lowest) and lowest > 0:
        floor = 10 ** np.floor(np.log10(lowest) + 1e-9)
        lo, hi = a.get_view_interval()
        if floor < lo or lo <= 0:
            (ax.set_xlim if axis == "x" else ax.set_ylim)(floor, hi)


CUT = "_ipclab_cut"


def mark_cut(ax, axis, at, why):
    """Record that ``axis`` is cut at ``at`` by design (latency_cdf ends at the largest
    p99: the far tail is in the summary table): the figure says so in its axis label,
    and the tests' visibility check accepts marks past the cut on that side only."""
    setattr(ax, CUT, (axis, float(at), why))


def ci_err(values, lo, hi):
    """Error-bar half-lengths from a median and its interval."""
    v, lo, hi = (np.asarray(a, dtype=float) for a in (values, lo, hi))
    return np.vstack([np.maximum(v - lo, 0), np.maximum(hi - v, 0)])


def axis_label(quantity, key):
    """An axis label carrying the unit of a panel."""
    return style.axis_label(quantity, key.unit, key.platform, key.mode)


def one_unit(ax, key):
    """Remember which unit a panel shows (tests check panels never mix units)."""
    ax.set_gid("unit=" + key.unit)


def value_text(v):
    """A value printed beside its mark: 129, 5.03, 10,000,074."""
    if v is None or not np.isfinite(v):
        return ""
    if float(v).is_integer() or abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def _lines(texts):
    return max([str(t).count("\n") + 1 for t in texts] or [1])


def legend_columns(labels, width):
    """How many legend columns of these (wrapped) labels fit ``width`` inches."""
    longest = max(len(line) for t in labels for line in str(t).split("\n"))
    col = 0.45 + 0.058 * longest  # inches: handle and padding, then characters at 7 pt
    return int(max(1, min(len(labels), width // col)))


def legend_height(labels, width):
    """Inches a legend_below of these labels takes in a panel ``width`` inches wide: its
    longest column of lines at 7 pt (legend_below gets the panel's gridspec cell, about
    0.775 of it)."""
    labels = [style.wrap(t, 34) for t in dict.fromkeys(labels)]
    if not labels:
        return 0.0
    ncol = legend_columns(labels, 0.775 * width)
    lines = max(sum(t.count("\n") + 1 for t in labels[i::ncol]) for i in range(ncol))
    return 0.165 * lines + 0.1


def legend_below(ax, handles=None, labels=None, width=None):
    """A legend under the axes, below the x axis label: it never covers data.

    The offset below the axes is in inches (ticks, tick labels, the x label,
    each as many lines as they have), so it holds whatever constrained
    layout makes of the axes' size; columns as many as fit ``width``.
    """
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    uniq = dict(zip(labels, handles))
    uniq.pop(None, None)
    if not uniq:
        return None
    ax._ipclab_legend = (handles, labels, width)   # _rewrap_xlabel draws it again lower
    labels = [style.wrap(t, 34) for t in uniq]
    fig = ax.figure
    cell = ax.get_subplotspec().get_position(fig)   # the panel's share of the figure
    width = width or cell.width * fig.get_figwidth()
    ncol = legend_columns(labels, width)
    tl = ax.get_xticklabels()
    ticks = _lines(t.get_text() for t in tl) if tl else 1
    if tl and any(abs(t.get_rotation() - 90) < 1 for t in tl):   # set upright: as tall as the longest
        tick_h = 0.058 * max(len(t.get_text()) for t in tl) + 0.02
    else:
        tick_h = 0.115 * ticks
    below = 0.06 + tick_h + 0.135 * _lines([ax.get_xlabel()]) + 0.04
    shift = ScaledTranslation(0, -below, fig.dpi_scale_trans)
    # Centred under the panel's cell of the figure, not under the axes: long
    # row labels push the axes right, and the legend would run off the page.
    where = blended_transform_factory(fig.transFigure, ax.transAxes) + shift
    return ax.legend(list(uniq.values()), labels, loc="upper center", ncol=ncol,
                     bbox_to_anchor=((cell.x0 + cell.x1) / 2, 0), bbox_transform=where,
                     borderaxespad=0, handlelength=1.6, columnspacing=1.0)


def log2_numbers(ax, values):
    """A log2 x axis with a tick at each value the data has, read as the number it is (4096, not 2^12)."""
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted({float(v) for v in values}))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def category_ticks(ax, labels):
    """Category names under the x axis, slanted when they would not fit the panel side by side."""
    labels = [str(t) for t in labels]
    ncols = ax.get_subplotspec().get_gridspec().ncols
    room = 0.75 * ax.figure.get_figwidth() / ncols           # inches of axis
    need = sum(0.055 * len(t) + 0.08 for t in labels)        # 7 pt characters and a gap
    if need <= room:
        ax.set_xticks(range(len(labels)), labels)
    else:
        ax.set_xticks(range(len(labels)), labels, rotation=90)


def set_title(ax, text):
    """A panel title, broken into lines that fit the panel's width."""
    ncols = ax.get_subplotspec().get_gridspec().ncols
    chars = int(0.95 * ax.figure.get_figwidth() / ncols / 0.08)   # 8 pt characters
    ax.set_title(style.wrap(text, max(chars, 16)))


def label_bars(ax, container, values, horizontal=False):
    """Print each bar's value at its end (deterministic data shown as what it is)."""
    ax.bar_label(container, labels=[value_text(v) for v in values], padding=1.5, fontsize=5.5,
                 rotation=0 if horizontal else 90)


def headroom(ax, log, horizontal=False, factor=1.0, values=()):
    """Room past the largest bar for its printed value: a fraction of a linear axis, decades of a log one.

    On a log axis a bar starts at the axis' lower end: that end goes a decade
    and more below the smallest of ``values``, so the shortest bar is still
    a bar and not a sliver.
    """
    lo, hi = ax.get_xlim() if horizontal else ax.get_ylim()
    v = np.asarray([x for x in values if np.isfinite(x) and x > 0], dtype=float)
    if log and len(v):
        lo = 10 ** (np.floor(np.log10(v.min())) - 1)
    if log:
        new = hi * 10 ** (0.45 * factor * max(1.0, np.log10(hi / lo) / 3))
    else:
        new = hi + 0.18 * factor * (hi - min(lo, 0))
    if horizontal:
        ax.set_xlim(lo, new)
    else:
        ax.set_ylim(lo, new)


SEL4_LABEL = "seL4, same QEMU and method"


MIN_AXES = 1.3  # inches: the least height of a panel's data area a reader can read


def _rewrap_title(ax, renderer):
    """Re-break a panel title that came out wider than its panel or than the page."""
    t = ax.title
    text = " ".join(t.get_text().split())
    if not text:
        return False
    bb, cell = t.get_window_extent(renderer), ax.get_subplotspec().get_position(ax.figure)
    W = ax.figure.bbox.width
    room = min(cell.width * W, 2 * min((bb.x0 + bb.x1) / 2, W - (bb.x0 + bb.x1) / 2)) - 4
    if bb.x0 >= 1 and bb.x1 <= W - 1 and bb.width <= cell.width * W:
        return False
    longest = max(len(line) for line in t.get_text().split("\n"))
    chars = max(10, int(longest * room / bb.width) - 1)
    new = style.wrap(text, chars)
    if new == t.get_text():
        return False
    t.set_text(new)
    return True


def _rewrap_xlabel(ax, renderer):
    """An x axis label that reaches past the page's edge: its unit on a line of its own."""
    t = ax.xaxis.label
    bb, W = t.get_window_extent(renderer), ax.figure.bbox.width
    if (bb.x0 >= 1 and bb.x1 <= W - 1) or " [" not in t.get_text():
        return False
    t.set_text(t.get_text().replace(" [", "\n[", 1))
    if ax.get_legend() is not None and getattr(ax, "_ipclab_legend", None):
        ax.get_legend().remove()
        legend_below(ax, *ax._ipclab_legend)   # below the label's new line
    return True


def _fit_texts(ax, renderer):
    """Widen a value axis until the values printed on it (ax.texts: bar labels, values
    beside dots, seL4's figures) lie inside the axes, clear of the title above them."""
    box = ax.get_window_extent(renderer)
    texts = [t.get_window_extent(renderer) for t in ax.texts if t.get_visible() and t.get_text().strip()]
    if not texts:
        return False
    moved = False
    for axis, over, size in (("y", max(b.y1 for b in texts) - box.y1 + 2, box.height),
                             ("x", max(b.x1 for b in texts) - box.x1 + 2, box.width)):
        if over <= 0 or size <= 0:
            continue
        a = ax.yaxis if axis == "y" else ax.xaxis
        tr = a.get_transform()
        lo, hi = a.get_view_interval()
        tlo, thi = tr.transform([lo, hi])
        k = 1 + 1.1 * over / size
        new = tr.inverted().transform([tlo + (thi - tlo) * k])[0]
        (ax.set_ylim if axis == "y" else ax.set_xlim)(lo, new)
        moved = True
    return moved


def finish(fig):
    """Lay the figure out and grow it where a panel's data area came out under MIN_AXES.

    The heights the figures start from are estimates; legends below the axes
    and wrapped labels take what they take, and constrained layout shrinks
    the axes to make room.  The page, not the data, gives way: the figure
    grows (never past a page) until every panel keeps MIN_AXES.  Titles that
    came out wider than their panel are broken again, and a value axis is
    widened until the values printed on it stay inside the axes (a rotated
    10,000,050 on the tallest bar would otherwise run into the title).
    Laid out at the dpi the figure is saved at (savefig.dpi): text is
    measured in whole pixels, and what fits at 100 dpi may not at 200.
    """
    import matplotlib.pyplot as plt
    shown = fig.get_dpi()
    fig.set_dpi(plt.rcParams["savefig.dpi"])
    fig.canvas.draw()   # constrained layout settles over two passes: check the second
    for _ in range(4):
        fig.canvas.draw()
        r = fig.canvas.get_renderer()
        changed = False
        for ax in fig.axes:
            changed |= _rewrap_title(ax, r)
            changed |= _rewrap_xlabel(ax, r)
            changed |= _fit_texts(ax, r)
        h = fig.get_figheight()
        least = min(ax.get_position().height * h for ax in fig.axes)
        if least < MIN_AXES - 0.02 and h < 9:
            fig.set_figheight(min(9.0, h + (MIN_AXES - least) * 1.1))
            changed = True
        if not changed:
            break
    fig.set_dpi(shown)
    return fig


def rows_height(lines, rows, legend=False):
    """Inches a panel of labelled rows needs: its label lines at 7 pt with a gap each, then
    the title, the x axis and its two-line label, and a legend below."""
    return 0.125 * lines + 0.06 * rows + 0.2 + 0.75 + (0.35 if legend else 0)


def deterministic(key):
    """Exact mode on a platform of schema.DETERMINISTIC (the kernel, and Debian's Linux,
    on virt): every boot gives the same samples, so they are drawn as values, never as
    distributions of noise.  A run's sequence may hold several distinct values (the
    turn of several producers, a ring wrapping, Linux's own state): their 5th to 95th
    percentile is drawn as a range around the median."""
    return key.mode == "exact" and key.platform in schema.DETERMINISTIC


# --- the figures -------------------------------------------------------------

def latency_cdf(df, summary=None):
    """Latency CDF per mechanism (measurements that vary).

    Empirical cumulative distribution of the cost of one operation, one line
    per mechanism (workload, and metric when it has several), for panels
    whose samples vary (timed mode: Linux, or QEMU without icount). For each
    mechanism the configuration with the lowest median is drawn; its
    distinguishing parameters are in the legend. One panel per platform,
    unit and placement; the x axis ends just past the largest 99th
    percentile (the far tail is in the summary table). The kernel's
    exact-mode panels are left out: its counts are deterministic, and a CDF
    of a deterministic count is a vertical line; latency_box prints them.
    """
    if df.empty:
        raise SkipPlot("no samples")
    groups = [(k, g) for k, g in panels(df) if not deterministic(k)]
    if not groups:
        raise SkipPlot("every panel is the kernel's exact mode (deterministic counts): "
                       "latency_box prints their values; a CDF of them would be a vertical line")
    chosen_of = [representatives(g, summary) for _, g in groups]
    panel_width = (style.COLUMN if len(groups) == 1 else style.FULL / min(len(groups), style.MAX_COLS))
    legend = max(legend_height([name for name, _ in c], panel_width) for c in chosen_of)
    fig, axes = style.figure(ncols=len(groups), height=2.5 + legend)
    for ax, (key, g), chosen in zip(axes, groups, chosen_of):
        one_unit(ax, key)
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
        if hi > lo:  # rare far tails would squash the rest: stop at the largest p99
            ax.set_xlim(lo / 1.15 if log and lo > 0 else lo - 0.03 * (hi - lo),
                        hi * 1.15 if log else hi + 0.03 * (hi - lo))
            mark_cut(ax, "x", hi, "the largest 99th percentile")
        if log:
            log_scale(ax, "x", lowest=lo)
        ax.set_xlabel(axis_label("cost per operation", key)
                      + ("\n(axis ends past the largest p99)" if getattr(ax, CUT, None) else ""))
        ax.set_ylabel("fraction of samples [0-1]")
        ax.set_ylim(0, 1.02)
        set_title(ax, panel_title(key))
        legend_below(ax)
    return finish(fig)


def latency_box(df, summary=None):
    """Cost per mechanism.

    One row per mechanism (workload, and metric when it has several), the
    configuration with the lowest median of each, its parameters in the
    label. The kernel's exact-mode panels (deterministic counts) show the
    median as a dot with its value printed, and a bar over the 5th to 95th
    percentile where a run's sequence takes several values; panels whose
    samples vary from run to run (timed, and Linux under icount) show a box over the
    quartiles, the median as a line and a dot, whiskers at the 5th and 95th
    percentiles (outliers not drawn). One panel per platform, unit and
    placement; a logarithmic axis where the values span more than a factor 10.
    """
    if df.empty:
        raise SkipPlot("no samples")
    groups = panels(df)
    chosen_of = [representatives(g, summary) for _, g in groups]
    names_of = [[style.wrap(name, 30) for name, _ in c] for c in chosen_of]
    lines = max(sum(n.count("\n") + 1 for n in names) for names in names_of)
    height = rows_height(lines, max(len(c) for c in chosen_of))
    fig, axes = style.figure(ncols=len(groups), height=height, max_cols=2)
    for ax, (key, g), chosen, names in zip(axes, groups, chosen_of, names_of):
        one_unit(ax, key)
        data = [samples_of(g, row)["cost"].to_numpy(dtype=float) for _, row in chosen]
        medians = [float(row["median"]) for _, row in chosen]
        ys = np.arange(1, len(data) + 1)
        constant = deterministic(key)
        if constant:
            ax.hlines(ys, 0, medians, colors="#bbbbbb", linewidth=0.8, zorder=1)
            spread = np.array([np.percentile(d, [5, 95]) for d in data])
            ax.errorbar(medians, ys, xerr=ci_err(medians, spread[:, 0], spread[:, 1]),
                        fmt="none", ecolor="black", elinewidth=0.8, capsize=2, zorder=2)
        else:
            bp = ax.boxplot(data, vert=False, whis=(5, 95), showfliers=False, patch_artist=True,
                            medianprops={"color": "black"}, widths=0.6)
            for k, box in enumerate(bp["boxes"]):
                box.set_facecolor(style.colour(k))
                box.set_alpha(0.75)
        # The dot on the median: the whole figure for a deterministic count.
        ax.scatter(medians, ys, s=16, zorder=3, color=[style.colour(k) for k in range(len(data))],
                   edgecolors="black", linewidths=0.5)
        # Log only when the medians span a wide range: the raw tails of one
        # mechanism would otherwise put three rows within a decade on a log axis.
        log = wide(medians)
        if log:
            log_scale(ax, "x", lowest=min(np.percentile(d, 5) for d in data))
        ax.set_yticks(ys, names)
        ax.set_ylim(0.4, len(data) + 0.6)
        if constant:
            if not log:
                ax.set_xlim(left=0)
            # The value beside the dot, or past the range bar where there is one.
            for y, m, hi in zip(ys, medians, spread[:, 1]):
                ax.annotate(value_text(m), (max(m, hi), y), xytext=(4, 0), textcoords="offset points",
                            va="center", fontsize=6)
            headroom(ax, log, horizontal=True)
        ax.set_xlabel(axis_label("cost per operation", key))
        set_title(ax, panel_title(key))
        ax.grid(axis="y", visible=False)
    return finish(fig)


def bulk_size(df, summary=None):
    """Cost against message size, ring against endpoint.

    Workload bulk: the median cost of moving one message from sender to
    receiver through a shared ring (zero copy, mech=ring) and through an
    endpoint (copied page by page, mech=ep), against the message size in
    bytes (log2 axis). Error bars: bootstrap 95% interval of the median.
    """
    sub = need(df, ["bulk"], ["size", "mech"])
    groups = panels(sub)
    fig, axes = style.figure(ncols=len(groups), height=2.6)
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
        log2_numbers(ax, cf["size"])
        if wide(cf["median"]):
            log_scale(ax, "y", lowest=np.nanmin(cf["ci_lo"].fillna(cf["median"])))
        ax.set_xlabel("message size [bytes, log2 axis]")
        ax.set_ylabel(axis_label("cost per message", key))
        set_title(ax, f"bulk, {panel_title(key)}")
        legend_below(ax)
    return finish(fig)


def ring_throughput(df, summary=None):
    """Ring cost per message.

    Workload ring_throughput: one sample times a batch of per messages; the
    figure shows the median cost of one message (value / per), lower is
    better, on a logarithmic axis where the values span more than a factor
    10. Where the batch size varies, one line per ring variant against it
    (log2 axis), or, for the kernel's deterministic exact-mode counts, one
    bar per variant in a group per batch size with the values printed above
    each group in the bars' colours; otherwise one bar per variant the results hold (in the
    sweep's order), one series per any other parameter that varies, each
    bar's value printed. Error bars: the bootstrap 95% interval of the median.
    """
    sub = need(df, ["ring_throughput"], ["variant"])
    groups = panels(sub)
    fig, axes = style.figure(ncols=len(groups), height=2.8)
    for ax, (key, g) in zip(axes, groups):
        one_unit(ax, key)
        cf = configs(g, summary)
        by_batch = "batch" in cf.columns and cf["batch"].nunique() > 1
        log = wide(cf["median"])
        if by_batch and deterministic(key):
            # Deterministic counts: bars by batch size, one per ring variant, values printed.
            batches = ordered_values(cf, "batch")
            cols = series_columns(cf, g, "batch", first=["variant"])
            parts = series(cf, cols)
            width = 0.8 / len(parts)
            values, tops = {}, {}
            for k, (sk, line) in enumerate(parts):
                line = line.set_index("batch").reindex(batches)
                xs = np.arange(len(batches)) + (k - (len(parts) - 1) / 2) * width
                ax.bar(xs, line["median"], width * 0.95, color=style.colour(k), capsize=1.5,
                       yerr=ci_err(line["median"], line["ci_lo"], line["ci_hi"]),
                       label=series_name(cols, sk))
                for at, b in enumerate(batches):
                    v, hi = line["median"].iloc[at], line["ci_hi"].iloc[at]
                    if np.isfinite(v):
                        values.setdefault(b, []).append((k, v))
                        tops[b] = max(tops.get(b, 0), hi if np.isfinite(hi) else v)
            stack_values(ax, values, tops, batches)
            category_ticks(ax, [fmt(b) for b in batches])
            ax.set_xlabel("batch size [messages per publish]")
            if log:
                log_scale(ax, "y")
            headroom(ax, log, factor=1.0 + 0.25 * len(parts), values=cf["median"])
        elif by_batch:
            cols = series_columns(cf, g, "batch", first=["variant"])
            for k, (lk, line) in enumerate(series(cf, cols)):
                line = line.sort_values("batch")
                ax.errorbar(line["batch"], line["median"],
                            yerr=ci_err(line["median"], line["ci_lo"], line["ci_hi"]),
                            color=style.colour(k), marker=style.marker(k), linestyle=style.dash(k),
                            capsize=2, label=series_name(cols, lk))
            log2_numbers(ax, cf["batch"])
            ax.set_xlabel("batch size [messages per publish, log2 axis]")
            if log:
                log_scale(ax, "y", lowest=np.nanmin(cf["ci_lo"].fillna(cf["median"])))
        else:
            variants = ordered_values(cf, "variant")
            others = series_columns(cf, g, "variant")
            parts = series(cf, others)
            width = 0.8 / len(parts)
            for k, (sk, s) in enumerate(parts):
                s = s.set_index("variant").reindex(variants)
                xs = np.arange(len(variants)) + (k - (len(parts) - 1) / 2) * width
                bars = ax.bar(xs, s["median"], width * 0.95, color=style.colour(k), capsize=2,
                              yerr=ci_err(s["median"], s["ci_lo"], s["ci_hi"]),
                              label=series_name(others, sk) or None)
                label_bars(ax, bars, s["median"])
            category_ticks(ax, variants)
            ax.set_xlabel("ring variant")
            if log:
                log_scale(ax, "y")
            headroom(ax, log, values=cf["median"])
        ax.set_ylabel(axis_label("cost per message", key))
        set_title(ax, f"ring_throughput, {panel_title(key)}")
        legend_below(ax)
    return finish(fig)


def wake_protocols(df, summary=None):
    """Wake-up protocols side by side.

    Workload ring_pingpong: the median round trip over two rings, one bar
    group per wake-up protocol the results hold (the wake parameter, in the
    sweep's order) and one bar per ring variant (and per any other parameter
    that varies), each bar's value printed. Error bars: bootstrap 95%
    interval of the median. The value axis is logarithmic when the medians
    span more than a factor 10 (polling on one CPU waits for the timer tick:
    about 10^4 times the other protocols). Round trips on one CPU and across
    CPUs are separate panels.
    """
    sub = need(df, ["ring_pingpong"], ["wake"])
    groups = panels(sub)
    fig, axes = style.figure(ncols=len(groups), height=2.8)
    for ax, (key, g) in zip(axes, groups):
        one_unit(ax, key)
        cf = configs(g, summary)
        wakes = ordered_values(cf, "wake")
        bars = series_columns(cf, g, "wake", first=["variant"])
        parts = series(cf, bars)
        width = 0.8 / len(parts)
        log = wide(cf["median"])
        for k, (sk, s) in enumerate(parts):
            s = s.set_index("wake").reindex(wakes)
            xs = np.arange(len(wakes)) + (k - (len(parts) - 1) / 2) * width
            b = ax.bar(xs, s["median"], width * 0.95, yerr=ci_err(s["median"], s["ci_lo"], s["ci_hi"]),
                       color=style.colour(k), capsize=1.5, label=series_name(bars, sk) or None)
            label_bars(ax, b, s["median"])
        category_ticks(ax, wakes)
        if log:
            log_scale(ax, "y")
        headroom(ax, log, factor=1.6, values=cf["median"])
        ax.set_xlabel("wake-up protocol")
        ax.set_ylabel(axis_label("round trip", key))
        set_title(ax, f"ring_pingpong, {panel_title(key)}")
        legend_below(ax)
    return finish(fig)


def stack_values(ax, values, tops, cats):
    """Deterministic values printed over groups of bars: above each category a column
    of its bars' values, top to bottom in the legend's order, each in its bar's colour
    (5 pt labels side by side over bars this narrow would run together).
    ``values``: category -> [(series index, value)]; ``tops``: category -> highest
    bar top.  Returns category -> lines printed."""
    for c, vs in values.items():
        for row, (k, v) in enumerate(vs):
            ax.annotate(value_text(v), (cats.index(c), tops.get(c, v)),
                        xytext=(0, 2 + VALUE_PITCH * (len(vs) - 1 - row)), textcoords="offset points",
                        ha="center", va="bottom", fontsize=5, color=style.colour(k), zorder=5,
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.2, "alpha": 0.85})
    return {c: len(vs) for c, vs in values.items()}


def _anchor_mark(ax, x0, x1, a):
    """One seL4 figure as a dashed mark across the bars from x0 to x1 (range shaded when given)."""
    if a.lo is not None:
        ax.add_patch(Rectangle((x0, a.lo), x1 - x0, a.hi - a.lo, facecolor=style.ANCHOR_COLOUR,
                               alpha=0.18, edgecolor="none", zorder=3))
    ax.hlines(a.value, x0, x1, colors=style.ANCHOR_COLOUR, linewidth=1.6,
              linestyles="--", zorder=4, label=SEL4_LABEL)


def anchored_costs(df, summary=None):
    """Notification and endpoint costs against seL4.

    Workloads ntfn_signal (by where the waiter is, the to parameter), ep_call
    (Call and ReplyRecv by message length in words) and ep_send (Send by
    message length): median cost with its bootstrap 95% interval. Dashed marks are
    seL4's figures on the same emulated machine, counter and method
    (docs/anchors.md; range shaded where seL4 reports one), their values
    printed above each group in the order of the bars; they are drawn only
    on exact-mode panels in instructions, where they are comparable. The
    kernel's exact-mode counts are deterministic: each bar's value is
    printed above its group, in the bar's colour and the legend's order. A
    workload whose groups would hold more than four bars (ep_call: Call and
    ReplyRecv by address space and CPUs) has a panel per metric. The
    value axis is logarithmic where the medians span more than a factor 10.
    """
    workloads = ["ntfn_signal", "ep_call", "ep_send"]
    sub = need(df, workloads)
    cells = []
    for key, g in panels(sub):
        for w in workloads:
            gw = g[g["workload"] == w]
            if not len(gw):
                continue
            # More than MAX_SERIES bars a group (ep_call: Call and ReplyRecv by space and
            # CPUs) is a legend to decode: one panel per metric instead.
            xcol = "to" if w == "ntfn_signal" else "words"
            cf = configs(gw, summary)
            n = len(series(cf, series_columns(cf, gw, xcol if xcol in cf.columns else "metric",
                                              first=["metric"])))
            if n > MAX_SERIES and gw["metric"].nunique() > 1:
                cells += [(key, w, gm, m) for m, gm in gw.groupby("metric", sort=False)]
            else:
                cells.append((key, w, gw, None))
    fig, axes = style.figure(ncols=len(cells), height=2.9)
    for ax, (key, w, g, metric) in zip(axes, cells):
        one_unit(ax, key)
        cf = configs(g, summary)
        xcol = "to" if w == "ntfn_signal" else "words"
        if xcol not in cf.columns:
            cf[xcol] = "-"
        marks = anchors.for_workload(w) if anchors.applies(key.platform, key.unit, key.mode) else []
        if metric is not None:
            marks = [a for a in marks if a.metric == metric]
        exact = deterministic(key)
        cats = ordered_values(cf, xcol, extra=[a.params.get(xcol) for a in marks])
        bars = series_columns(cf, g, xcol, first=["metric"])
        parts = series(cf, bars)
        present = {k[0] for k, _ in parts}
        for m in dict.fromkeys(a.metric for a in marks):  # a metric seL4 reports gets its
            if m not in present:                          # slot even when not run
                parts.append(((m,) + (None,) * (len(bars) - 1), cf.iloc[0:0]))
        width = 0.8 / len(parts)
        values = {}  # category -> [(series, median)]: exact mode prints them
        slots = {}  # (metric, category) -> [bar centre]
        tops = {}   # category -> highest bar top
        for k, (sk, s) in enumerate(parts):
            s = s.set_index(xcol).reindex(cats)
            xs = np.arange(len(cats)) + (k - (len(parts) - 1) / 2) * width
            name = series_name(bars, sk, bare=("metric",))
            b = ax.bar(xs, s["median"], width * 0.95, yerr=ci_err(s["median"], s["ci_lo"], s["ci_hi"]),
                       color=style.colour(k), capsize=1.5, label=name)
            for at, c in enumerate(cats):
                if exact and np.isfinite(s["median"].iloc[at]):
                    values.setdefault(c, []).append((k, s["median"].iloc[at]))
                slots.setdefault((sk[0], c), []).append(xs[at])
                if np.isfinite(s["ci_hi"].iloc[at]):
                    tops[c] = max(tops.get(c, 0), s["ci_hi"].iloc[at])
        # Deterministic counts printed as values: above each group a column of its
        # bars' values, top to bottom in the legend's order and each in its bar's
        # colour (side by side, 5 pt labels of three bars a group would run together).
        # Above the bars and seL4's marks of the category: a value is never printed on a mark.
        for a in marks:
            c = a.params.get(xcol)
            if c in values and slots.get((a.metric, c)):
                tops[c] = max(tops.get(c, 0), a.hi if a.hi is not None else a.value)
        stack = stack_values(ax, values, tops, cats)
        # Each seL4 figure once, across every bar of its metric and category; the
        # values of one category in one label above it, so no two labels collide.
        texts = {}
        for a in marks:
            xs_at = slots.get((a.metric, a.params.get(xcol)))
            if not xs_at:
                continue
            _anchor_mark(ax, min(xs_at) - width * 0.475, max(xs_at) + width * 0.475, a)
            c = a.params.get(xcol)
            texts.setdefault(c, []).append(a)
            tops[c] = max(tops.get(c, 0), a.hi if a.hi is not None else a.value)
        for c, marks_at in texts.items():
            text = "seL4\n" + " / ".join(str(a.value) + (f"\n({a.lo}-{a.hi})" if a.lo is not None else "")
                                         for a in marks_at)
            above = 5 + VALUE_PITCH * stack.get(c, 0)   # points: clear of the bars' printed values
            ax.annotate(text, (cats.index(c), tops[c]), xytext=(0, above), textcoords="offset points",
                        ha="center", va="bottom", fontsize=5.5, color=style.ANCHOR_COLOUR, zorder=5)
        log = wide(list(cf["median"]) + [a.value for a in marks])
        if log:
            log_scale(ax, "y")
        headroom(ax, log, factor=2.2 if texts or values else 1.0, values=cf["median"])
        category_ticks(ax, [fmt(c) for c in cats])
        ax.set_xlabel("waiter priority (to=)" if w == "ntfn_signal" else "message length [words]")
        ax.set_ylabel(axis_label("cost, one way", key))
        set_title(ax, f"{w}{'/' + metric if metric else ''}, {panel_title(key)}")
        legend_below(ax)
    return finish(fig)


VALUE_PITCH = 6.2   # points between the printed values stacked over a group of bars
MAX_SERIES = 4   # bars a group of anchored_costs holds before it is split by metric


# The round trip of a small message between two parties on one CPU, as each
# system does it.  ipclab's and seL4's are Call plus ReplyRecv (one way each,
# sel4bench's method: their sum is the round trip); a Linux platform's are
# its round-trip workloads (metric rtt: pipe, futex, the ring, ...).
RTT_METRIC = "rtt"
CALL_REPLY = ("ep_call", ("call", "replyrecv"), {"words": 0})
SYSTEM = {"virt": "ipclab kernel", "linux-virt": "Linux, same QEMU", "linux": "Linux (host)",
          "sel4": "seL4 (reference)"}
# Row labels name the system too where a panel holds several: two "Call + ReplyRecv"
# rows apart only in colour would need the legend to be read.
SYSTEM_TAG = {"virt": "ipclab", "linux-virt": "Linux", "linux": "Linux", "sel4": "seL4"}


def _cross_rows(g, summary):
    """[(system, mechanism, median, lo, hi)] of one cross-system panel."""
    rows = []
    for platform, gp in g.groupby("platform", sort=False):
        cf = configs(gp, summary)
        w, (m1, m2), fixed = CALL_REPLY
        ep = cf[cf["workload"] == w]
        for k, v in fixed.items():
            if k in ep.columns:
                ep = ep[ep[k].astype(float) == v]
        if "space" in ep.columns and (ep["space"] == "diff").any():
            ep = ep[ep["space"] == "diff"]
        a, b = ep[ep["metric"] == m1], ep[ep["metric"] == m2]
        if len(a) and len(b):
            a, b = a.sort_values("median").iloc[0], b.sort_values("median").iloc[0]
            rows.append((platform, "Call + ReplyRecv, 0 words", a["median"] + b["median"],
                         a["ci_lo"] + b["ci_lo"], a["ci_hi"] + b["ci_hi"]))
        rt = cf[cf["metric"] == RTT_METRIC]
        for w2, gw in rt.groupby("workload", sort=False):
            sub = [c for c in ("wake",) if c in gw.columns and gw[c].notna().any()]
            for _, gk in (gw.groupby(sub[0], sort=False) if sub else [(None, gw)]):
                best = gk.sort_values("median", kind="stable").iloc[0]
                name = w2 + "".join(f", {c}={fmt(best[c])}" for c in sub)
                if "variant" in gk.columns and gk["variant"].notna().any():
                    name += f" ({fmt(best['variant'])})"
                rows.append((platform, name, best["median"], best["ci_lo"], best["ci_hi"]))
    return rows


def cross_system(df, summary=None):
    """The same operation on each system.

    The round trip of a small message between two parties on one CPU: on
    the ipclab kernel and seL4, Call plus ReplyRecv with a zero-length
    message between address spaces (seL4's figures on the same QEMU, counter
    and method: docs/anchors.md); on a Linux platform, each round-trip
    workload (pipe, futex, the ring with each wake-up protocol, its best
    variant). Platforms that count in one unit share a panel (the ipclab
    kernel, Linux on the same emulated machine and seL4 all count
    instructions under QEMU icount); each other unit and each placement has
    its own; a panel of one system only is left out when another panel
    sets that system beside others. One column wide (3.3 in), panels stacked. Bars sorted by
    median, coloured by system, values printed; logarithmic axis where they
    span more than a factor 10.
    """
    if df.empty:
        raise SkipPlot("no samples")
    cells = []
    for key, g in panels(df, by_platform=False):
        rows = _cross_rows(g, summary)
        if anchors.applies(anchors.PLATFORM, key.unit, key.mode) and key.placement in (None, "same"):
            call = {a.metric: a.value for a in anchors.for_workload("ep_call")
                    if a.params.get("words") == 0}
            rows.append(("sel4", "Call + ReplyRecv, 0 words", call["call"] + call["replyrecv"],
                         np.nan, np.nan))
        if rows and any(r[0] != "sel4" for r in rows):
            cells.append((key, rows))
    if not cells:
        raise SkipPlot("no round trip (ep_call, or a workload with metric rtt) in the results")
    if len({r[0] for _, rows in cells for r in rows}) < 2:
        raise SkipPlot("the results hold one system only (latency_box shows it); seL4's "
                       "figures compare with exact-mode instruction counts only")
    # A figure across systems: a panel of one system only that another panel already
    # sets beside the others (the kernel's round trips across CPUs) is latency_box's,
    # left out; a system no other panel shows (Linux on the host, in ns) keeps its own.
    def alone_and_elsewhere(c):
        systems = {r[0] for r in c[1]}
        return len(systems) == 1 and any(systems <= {r[0] for r in o[1]} and len(o[1]) > 0
                                         and len({r[0] for r in o[1]}) > 1 for o in cells)
    cells = [c for c in cells if not alone_and_elsewhere(c)]
    # One colour per system, the same in every figure; systems not in SYSTEM after them.
    systems = list(SYSTEM) + sorted({p for _, rows in cells for p, *_ in rows} - set(SYSTEM))
    row_names = {}
    for _, rows in cells:
        rows.sort(key=lambda r: r[2])
        several = len({r[0] for r in rows}) > 1
        row_names[id(rows)] = [f"{SYSTEM_TAG.get(r[0], r[0])}: {r[1]}" if several else r[1]
                               for r in rows]
    lines = max(sum(style.wrap(n, 26).count("\n") + 1 for n in names) for names in row_names.values())
    height = rows_height(lines, max(len(rows) for _, rows in cells), legend=True)
    # One column of a paper (3.3 in), a panel per unit and placement stacked: the figure
    # the README shows, at the size a two-column paper prints it.
    fig, axes = style.figure(ncols=len(cells), height=min(height, 8.8 / len(cells)), max_cols=1,
                             width=style.COLUMN)
    for ax, (key, rows) in zip(axes, cells):
        one_unit(ax, key)
        ys = np.arange(len(rows))
        med = np.array([r[2] for r in rows], dtype=float)
        err = ci_err(med, [r[3] if np.isfinite(r[3]) else r[2] for r in rows],
                     [r[4] if np.isfinite(r[4]) else r[2] for r in rows])
        colours = [style.colour(systems.index(r[0])) for r in rows]
        bars = ax.barh(ys, med, xerr=err, color=colours, height=0.7, capsize=1.5,
                       hatch=None)
        for bar, r in zip(bars, rows):
            if r[0] == "sel4":
                bar.set_hatch("////")
                bar.set_edgecolor("white")
        log = wide(med)
        if log:
            log_scale(ax, "x")
        label_bars(ax, bars, med, horizontal=True)
        headroom(ax, log, horizontal=True, factor=1.3, values=med)
        ax.set_yticks(ys, [style.wrap(name, 26) for name in row_names[id(rows)]])
        ax.set_xlabel(axis_label("round trip", key))
        set_title(ax, panel_title(key))
        ax.grid(axis="y", visible=False)
        present = list(dict.fromkeys(r[0] for r in rows))
        handles = [Rectangle((0, 0), 1, 1, facecolor=style.colour(systems.index(p)),
                             hatch="////" if p == "sel4" else None, edgecolor="white")
                   for p in present]
        legend_below(ax, handles, [SYSTEM.get(p, p) for p in present])
    return finish(fig)


FIGURES = [latency_cdf, latency_box, bulk_size, ring_throughput, wake_protocols,
           anchored_costs, cross_system]


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
    figures show; None: summary.summary_of (summary.csv as written; computed
    and written when missing or older than the samples).  Figures whose workloads are
    absent are skipped (logged, and listed in plots/index.json with the reason).
    """
    res = as_results(results)
    if summary is None:
        summary = summary_of(res)
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
    index["figures"] += kept_together(outdir, {f["name"] for f in index["figures"]})
    write_index(outdir, index)
    return files


def read_index(outdir):
    """plots/index.json as written, or None when there is none (or it cannot be read)."""
    try:
        return json.loads((Path(outdir) / schema.PLOTS_INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_index(outdir, index):
    (Path(outdir) / schema.PLOTS_INDEX).write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")


def kept_together(outdir, drawn):
    """The index entries of figures draw_together put into this plots/ (record_together)
    whose files are all still there and whose name no figure just drawn took: drawing a
    directory's own figures again keeps what was drawn of it with other directories."""
    old = read_index(outdir) or {}
    return [f for f in old.get("figures", [])
            if f.get("together") and f.get("name") not in drawn
            and all((Path(outdir) / n).is_file() for n in f.get("files", []))]


def record_together(outdir, files, dirs, names=("cross_system",), suffix=""):
    """List figures draw_together wrote into a results directory's plots/ in its index.json,
    so that its report shows them: each figure's own title (naming the directories it
    shows) and caption, those directories (``together``, their names) and its files.  An
    earlier entry of the same name is replaced; the directory's own figures are left as
    they are."""
    index = read_index(outdir) or {"figures": [], "skipped": []}
    written = {Path(f).name for f in files}
    shown = [Path(d).resolve().name for d in dirs]
    by_name = {f.__name__: f for f in FIGURES}
    for n in names:
        title, caption = describe(by_name[n])
        entry = {"name": n + suffix, "title": f"{title[:-1]}: {' and '.join(shown)} together.",
                 "caption": caption,
                 "files": sorted(w for w in written if Path(w).stem == n + suffix),
                 "together": shown}
        if not entry["files"]:
            continue
        index["figures"] = [f for f in index["figures"] if f.get("name") != entry["name"]]
        index["figures"].append(entry)
    write_index(outdir, index)


def draw_together(dirs, out, names=("cross_system",), suffix=""):
    """Figures of several results directories taken as one (e.g. the kernel's default sweep
    and a linux-virt sweep for cross_system) into ``out``; returns the files written.

    Each directory is loaded and checked on its own (load.load_results); the
    statistics are computed once for the union.  A figure that has nothing
    to draw raises SkipPlot (the message says what is missing).  ``suffix``
    goes after each file's name (``cross_system-together.png``), so a figure
    drawn into a results directory's plots/ leaves that directory's own alone.
    """
    df = load_results(dirs)
    summary = summarize(df)
    by_name = {f.__name__: f for f in FIGURES}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise SystemExit(f"error: no figure {', '.join(unknown)}; figures: {', '.join(by_name)}")
    files = []
    for n in names:
        files += style.save(by_name[n](df, summary), Path(out), n + suffix)
    return files


def main(argv=None):
    logging.basicConfig(format="%(message)s")
    logging.getLogger("analysis").setLevel(logging.INFO)
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--together" not in argv:
        _, files = results_dir_cli(__doc__, argv, make_plots)
    else:
        ap = argparse.ArgumentParser(description="figures of several results directories as one")
        ap.add_argument("--together", nargs="+", type=Path, required=True, metavar="DIR",
                        help="results directories whose samples one figure shows together")
        ap.add_argument("--out", type=Path, required=True, help="directory to write the figures to")
        ap.add_argument("--figure", action="append", help="figure name (default cross_system)")
        args = ap.parse_args(argv)
        try:
            files = draw_together(args.together, args.out, args.figure or ["cross_system"])
        except (ResultsError, SkipPlot) as e:
            raise SystemExit(f"error: {e}")
    for f in files:
        print(f)


if __name__ == "__main__":
    main()
