"""Paper figures: every figure, drawn from fixtures and from results/reference, is checked as a
reviewer would look at it: nothing outside the canvas, no two labels on top of each other,
every series visible, a unit in every value axis label, legends off the data."""

from pathlib import Path

import matplotlib.pyplot as plt  # analysis.style has chosen Agg
import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.container import BarContainer
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from analysis import compare, plots, style
from analysis.load import load_dir, load_results
from analysis.summary import read_summary
from analysis.stats import summarize

from .conftest import FIXTURES

REPO = Path(__file__).resolve().parents[2]
MIN_PIXELS = 3  # the shortest bar or extent a reader can still see at 200 dpi


def many_dir(root):
    """Twelve Linux mechanisms with long names: legends and label columns at their longest."""
    from .conftest import make_fixtures
    rng = np.random.default_rng(3)
    r = make_fixtures.ResultsDir("many", "linux", "timed")
    for k in range(12):
        r.run(f"mechanism_number_{k}", {"placement": "same", "protocol": "announce_then_sleep",
                                        "variant": f"variant_{k}", "size": 64}, 2,
              [("rtt", "ns", "tsc", 1, 20,
                lambda rep, k=k: np.round(1000 * (k + 1) * rng.lognormal(0, 0.1, 30)).astype(int).tolist())])
    r.write(root)
    return root / "many"


def _sources(root):
    """(name, samples, summary) of each data set the figures are drawn from."""
    # small/ holds the kernel (exact) and the host's Linux (timed); lvirt/ adds Linux on
    # the emulated machine; results/reference is a real run (long names, a 10^7 outlier).
    both = load_results([FIXTURES / "small", FIXTURES / "lvirt"])
    many = load_results(many_dir(root))
    out = [("small+lvirt", both, summarize(both)), ("many", many, summarize(many))]
    # Real runs: the kernel's default sweep (long names, a 10^7 outlier), Linux on the
    # host (timed: distributions, tails cut at p99, placements), Linux on the emulated
    # machine, and a ring sweep across CPUs whose rows span 2 ns to 10^5 ns.
    for name in REAL_SOURCES:
        ref = REPO / "results" / name
        if (ref / "summary.csv").exists():
            out.append((name, load_dir(ref).samples, read_summary(ref)))
    return out


REAL_SOURCES = ["reference", "reference-linux", "reference-linux-virt", "20261202-065116-ring-linux"]


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """{(source, figure name): matplotlib figure, drawn and laid out}."""
    from .test_compare import linux_dir
    root = tmp_path_factory.mktemp("cmp")
    a = linux_dir(root, "a", {})
    b = linux_dir(root, "b", {"pipe": 1.25, "eventfd": 1.01, "futex": 0.7})
    table, _, _ = compare.compare(a, b)
    fig = compare.figure(table, ("b vs a", compare.THRESHOLD))
    as_saved(fig)
    figs = {("a/b", "compare"): fig}
    for name, df, table in _sources(root):
        for func in plots.FIGURES:
            try:
                fig = func(df, table)
            except plots.SkipPlot:
                continue
            as_saved(fig)
            figs[(name, func.__name__)] = fig
    yield figs
    for fig in figs.values():
        plt.close(fig)


def test_every_figure_is_drawn_from_some_source(drawn):
    assert {f for _, f in drawn} == {f.__name__ for f in plots.FIGURES} | {"compare"}
    # The cross-system figure with Linux on the emulated machine beside the kernel and seL4.
    fig = drawn[("small+lvirt", "cross_system")]
    legend = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert {"ipclab kernel", "Linux, same QEMU", "seL4 (reference)"} <= set(legend)


# --- what a figure must be ------------------------------------------------------------------

def _texts(fig):
    out = []
    for t in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_window_extent")):
        if t.get_visible() and t.get_text().strip() and t.axes is not None or (
                t.get_visible() and getattr(t, "figure", None) is fig and t.get_text().strip()):
            out.append(t)
    return out


def _drawn_ticklabels(ax, axis, minor=True):
    """The tick labels the axis actually draws (those within its view limits), major and
    (unless ``minor`` is False) minor: a log axis over a few decades labels its minor
    ticks too (3x10^3, 4x10^3), and those collide first."""
    a = ax.xaxis if axis == "x" else ax.yaxis
    lo, hi = sorted(a.get_view_interval())
    ticks = a.get_major_ticks() + (a.get_minor_ticks() if minor else [])
    return [t.label1 for t in ticks
            if t.label1.get_visible() and t.label1.get_text() and lo - 1e-9 <= t.get_loc() <= hi + 1e-9]


def _titles(ax):
    return [t for t in (ax.title, ax._left_title, ax._right_title) if t.get_text().strip()]


def as_saved(fig):
    """Lay the figure out and draw it at the dpi style.save writes it at (savefig.dpi):
    text sizes are points but the layout rounds to pixels, so a title that fits at
    100 dpi can run 8 px off the canvas at 200."""
    fig.set_dpi(plt.rcParams["savefig.dpi"])
    fig.canvas.draw()
    return fig


def clipped(fig):
    """Texts, legends and axes that reach outside the canvas: [(what, how far in pixels)]."""
    r = fig.canvas.get_renderer()
    W, H = fig.bbox.width, fig.bbox.height
    bad = []
    items = [(f"text {t.get_text()!r}", t) for ax in fig.axes
             for t in [*_titles(ax), ax.xaxis.label, ax.yaxis.label, *ax.texts]
             + _drawn_ticklabels(ax, "x") + _drawn_ticklabels(ax, "y") if t.get_text().strip()]
    items += [("legend", ax.get_legend()) for ax in fig.axes if ax.get_legend()]
    items += [(f"text {t.get_text()!r}", t) for t in fig.texts if t.get_text().strip()]
    for what, a in items:
        bb = a.get_window_extent(r)
        over = max(-bb.x0, -bb.y0, bb.x1 - W, bb.y1 - H)
        if over > 1:
            bad.append((what, round(over)))
    return bad


def _overlap(a, b):
    return min(a.x1, b.x1) - max(a.x0, b.x0) > 1 and min(a.y1, b.y1) - max(a.y0, b.y0) > 1


def overlapping_labels(fig):
    """Texts of one panel drawn over each other: two tick labels of one axis (major and
    minor), two annotations or value labels, or an annotation over any other text of
    the panel (its titles, axis labels, tick labels)."""
    r = fig.canvas.get_renderer()
    bad = []

    def boxes(ts):
        return [(t.get_text(), t.get_window_extent(r)) for t in ts if t.get_text().strip()]

    for ax in fig.axes:
        notes = boxes(ax.texts)
        for group in (boxes(_drawn_ticklabels(ax, "x")), boxes(_drawn_ticklabels(ax, "y")), notes):
            for i in range(len(group)):
                for j in range(i + 1, len(group)):
                    if _overlap(group[i][1], group[j][1]):
                        bad.append((group[i][0], group[j][0]))
        others = boxes(_titles(ax) + [ax.xaxis.label, ax.yaxis.label]
                       + _drawn_ticklabels(ax, "x") + _drawn_ticklabels(ax, "y"))
        bad += [(a, b) for a, ba in notes for b, bb in others if _overlap(ba, bb)]
        if ax.get_legend() is not None:   # a legend below the axes, over its own x label
            entries = boxes(ax.get_legend().get_texts())
            bad += [(f"legend {a!r}", b) for a, ba in entries
                    for b, bb in boxes([ax.xaxis.label] + _drawn_ticklabels(ax, "x")) if _overlap(ba, bb)]
    return bad


def data_extents(ax):
    """Display-space boxes (x0, y0, x1, y1) of everything that shows data in ``ax``, as drawn:
    clipped to the axes (a bar from 0 on a log axis starts at the axis' lower end)."""
    bb = ax.get_window_extent()
    return [(max(x0, bb.x0), max(y0, bb.y0), min(x1, bb.x1), min(y1, bb.y1))
            for x0, y0, x1, y1 in _data_extents(ax)
            if min(x1, bb.x1) > max(x0, bb.x0) and min(y1, bb.y1) > max(y0, bb.y0)]


def _data_extents(ax):
    r = ax.figure.canvas.get_renderer()
    boxes = []
    for p in ax.patches:
        if isinstance(p, Rectangle) and p.get_visible():
            bb = p.get_window_extent(r)
            if np.all(np.isfinite([bb.x0, bb.y0, bb.x1, bb.y1])):
                boxes.append((bb.x0, bb.y0, bb.x1, bb.y1))
    for line in ax.get_lines():
        xy = line.get_xydata()
        xy = xy[np.all(np.isfinite(xy), axis=1)] if len(xy) else xy
        for x, y in ax.transData.transform(xy) if len(xy) else []:
            boxes.append((x - 2, y - 2, x + 2, y + 2))
    for c in ax.collections:
        if isinstance(c, PathCollection):
            for x, y in ax.transData.transform(c.get_offsets()):
                boxes.append((x - 3, y - 3, x + 3, y + 3))
        elif isinstance(c, LineCollection):
            for seg in c.get_segments():
                for x, y in ax.transData.transform(seg):
                    boxes.append((x - 1, y - 1, x + 1, y + 1))
    return boxes


def legends_over_data(fig):
    r = fig.canvas.get_renderer()
    bad = []
    for lax in fig.axes:
        leg = lax.get_legend()
        if not leg:
            continue
        lb = leg.get_window_extent(r)
        for ax in fig.axes:
            for x0, y0, x1, y1 in data_extents(ax):
                if min(lb.x1, x1) - max(lb.x0, x0) > 0 and min(lb.y1, y1) - max(lb.y0, y0) > 0:
                    bad.append(ax.get_title())
                    break
    return bad


def hidden_series(fig):
    """Bars shorter than MIN_PIXELS, marks outside the axes: [(panel, what)]."""
    bad = []
    for ax in fig.axes:
        bb = ax.get_window_extent()
        for c in ax.containers:
            if not isinstance(c, BarContainer):
                continue
            horizontal = c.orientation == "horizontal"
            for p in c.patches:
                size = p.get_width() if horizontal else p.get_height()
                if not np.isfinite(size) or size == 0:
                    continue   # an absent configuration: a gap, not a hidden bar
                e = p.get_window_extent()
                lo, hi = ((max(e.x0, bb.x0), min(e.x1, bb.x1)) if horizontal
                          else (max(e.y0, bb.y0), min(e.y1, bb.y1)))
                if hi - lo < MIN_PIXELS:
                    bad.append((ax.get_title(), f"bar {c.get_label()} of {size:g}: {hi - lo:.1f} px"))
        for line in ax.get_lines():
            xy = line.get_xydata()
            if not len(xy) or line.get_label().startswith("_"):
                continue
            xy = xy[np.all(np.isfinite(xy), axis=1)]
            pts = ax.transData.transform(xy)
            out = ~((pts[:, 0] >= bb.x0 - 1) & (pts[:, 0] <= bb.x1 + 1)
                    & (pts[:, 1] >= bb.y0 - 1) & (pts[:, 1] <= bb.y1 + 1))
            out &= ~past_documented_cut(ax, xy)
            if out.any():
                bad.append((ax.get_title(), f"{line.get_label()}: {int(out.sum())} points outside"))
        for c in ax.collections:
            if isinstance(c, PathCollection) and len(c.get_offsets()):
                pts = ax.transData.transform(c.get_offsets())
                if not ((pts[:, 0] >= bb.x0 - 1) & (pts[:, 0] <= bb.x1 + 1)).all():
                    bad.append((ax.get_title(), "marks outside the axes"))
    return bad


def past_documented_cut(ax, xy):
    """Points beyond an axis the figure cuts by design (plots.mark_cut: latency_cdf ends
    past the largest p99) and on that side only, when the axis label says so."""
    cut = getattr(ax, plots.CUT, None)
    if not cut:
        return np.zeros(len(xy), dtype=bool)
    axis, at, _ = cut
    label = (ax.get_xlabel() if axis == "x" else ax.get_ylabel()).replace("\n", " ")
    lo, hi = ax.get_xlim() if axis == "x" else ax.get_ylim()
    assert at <= hi and "p99" in label, f"{ax.get_title()}: a cut at {at} the axis does not name"
    v = xy[:, 0] if axis == "x" else xy[:, 1]
    return v > hi


def _values_on(ax, axis):
    """The data values a panel draws along ``axis``: dots, line points, error bar ends, bar ends."""
    i = 0 if axis == "x" else 1
    vals = []
    for c in ax.collections:
        if isinstance(c, PathCollection) and len(c.get_offsets()):
            vals += list(np.asarray(c.get_offsets())[:, i])
        elif isinstance(c, LineCollection):
            vals += [p[i] for seg in c.get_segments() for p in seg]
    for line in ax.get_lines():
        xy = line.get_xydata()
        if len(xy):
            vals += list(xy[:, i])
    for c in ax.containers:
        if isinstance(c, BarContainer):
            horizontal = c.orientation == "horizontal"
            if horizontal == (axis == "x"):
                vals += [p.get_x() + p.get_width() if horizontal else p.get_y() + p.get_height()
                         for p in c.patches]
    v = np.asarray(vals, dtype=float)
    lo, hi = sorted(ax.get_xlim() if axis == "x" else ax.get_ylim())
    return v[np.isfinite(v) & (v > 0) & (v >= lo * (1 - 1e-9)) & (v <= hi * (1 + 1e-9))]


def uncovered_log_axes(fig):
    """Log axes whose labelled ticks do not cover the data: no label at or below the
    smallest value (the lowest rows sit past the last label, unreadable), or the
    largest value more than a decade past the highest label."""
    bad = []
    for ax in fig.axes:
        for axis in ("x", "y"):
            if (ax.get_xscale() if axis == "x" else ax.get_yscale()) != "log":
                continue
            v = _values_on(ax, axis)
            a = ax.xaxis if axis == "x" else ax.yaxis
            lo, hi = sorted(a.get_view_interval())
            ticks = [t.get_loc() for t in a.get_major_ticks() + a.get_minor_ticks()
                     if t.label1.get_visible() and t.label1.get_text()
                     and lo * (1 - 1e-9) <= t.get_loc() <= hi * (1 + 1e-9)]
            if not len(v):
                continue
            if not ticks or min(ticks) > v.min() * (1 + 1e-9) or max(ticks) * 10 < v.max():
                bad.append((ax.get_title(), f"{axis}: data {v.min():g}..{v.max():g}, "
                                            f"labelled ticks {sorted(ticks)}"))
    return bad


def missing_units(fig):
    """Panels whose value axis does not name the panel's unit, or numeric axes without [unit]."""
    bad = []
    for ax in fig.axes:
        unit = (ax.get_gid() or "").removeprefix("unit=")
        want = style.unit_label(unit)
        labels = {"x": ax.get_xlabel().replace("\n", " "), "y": ax.get_ylabel().replace("\n", " ")}
        if not unit or not any(f"[{want}" in v for v in labels.values()):
            bad.append((ax.get_title(), f"no axis label in [{want}]: {labels}"))
        for axis, text in labels.items():
            ticks = [t.get_text() for t in _drawn_ticklabels(ax, axis)]
            numeric = ticks and all(any(ch.isdigit() for ch in t) and not any(ch.isalpha() and ch not in "e"
                                    for ch in t.replace("mathdefault", "").replace("times", ""))
                                    for t in ticks)
            if numeric and text and not ("[" in text and "]" in text):
                bad.append((ax.get_title(), f"{axis} axis {text!r} has numbers but no [unit]"))
            if numeric and not text:
                bad.append((ax.get_title(), f"{axis} axis has numbers but no label"))
    return bad


CHECKS = {"clipped": clipped, "overlapping labels": overlapping_labels,
          "legend over data": legends_over_data, "hidden series": hidden_series,
          "missing units": missing_units, "log ticks cover the data": uncovered_log_axes}


@pytest.mark.parametrize("check", CHECKS, ids=list(CHECKS))
def test_figures_read_as_printed(drawn, check):
    found = {k: CHECKS[check](fig) for k, fig in drawn.items()}
    found = {f"{s}/{f}": v for (s, f), v in found.items() if v}
    assert not found, f"{check}: {found}"


def test_figures_are_paper_sized(drawn):
    for (source, name), fig in drawn.items():
        w = fig.get_figwidth()
        assert w in (style.COLUMN, style.FULL), f"{source}/{name} is {w} in wide"
        assert fig.get_figheight() <= 9, f"{source}/{name} is taller than a page"


def test_deterministic_counts_are_printed_never_drawn_as_a_distribution(drawn):
    # Exact mode on the emulated machine (the kernel, virt, and Linux, linux-virt) is
    # deterministic: dots with their values, no CDF.  Linux on the host (timed) varies
    # from run to run: boxes and CDFs.
    for (source, name), fig in drawn.items():
        titles = [ax.get_title() for ax in fig.axes]
        if name == "latency_cdf":
            assert not any(t.startswith(("virt", "linux-virt")) for t in titles), source
            assert any(t.startswith("linux") for t in titles), source
        if name == "latency_box":
            for ax in fig.axes:
                boxes = [p for p in ax.patches if type(p).__name__ == "PathPatch"]
                if ax.get_title().startswith(("virt", "linux-virt")):
                    assert not boxes and len(ax.texts) == len(ax.get_yticks()), source
                else:
                    assert boxes and not ax.texts, (source, ax.get_title())


def test_the_compare_figure_reads_at_a_glance(drawn):
    ax = drawn[("a/b", "compare")].axes[0]
    # sorted by ratio, each printed, the line at 1
    assert [t.get_text() for t in ax.get_yticklabels()] == ["futex/rtt (linux)", "eventfd/rtt (linux)",
                                                             "pipe/rtt (linux)"]
    assert [t.get_text() for t in ax.texts] == ["0.7", "1.01", "1.25"]
    assert any(list(line.get_xdata()) == [1.0, 1.0] for line in ax.get_lines())


def test_figures_of_several_directories_together(tmp_path):
    out = tmp_path / "out"
    files = plots.draw_together([FIXTURES / "small", FIXTURES / "lvirt"], out)
    assert sorted(f.name for f in files) == ["cross_system.pdf", "cross_system.png"]
    with pytest.raises(plots.SkipPlot, match="no round trip"):
        plots.draw_together([FIXTURES / "hand"], out)


# --- the checks can fail ----------------------------------------------------------------------

def test_the_checks_find_what_they_look_for():
    style.apply()
    fig, axes = style.figure(1)
    ax = axes[0]
    ax.set_gid("unit=ns")
    bars = ax.bar([0, 1], [1, 10**6], label="a bar series")      # 1 on a linear axis to 10^6: hidden
    ax.bar_label(bars, labels=["one", "million"])
    ax.plot([0, 1], [5 * 10**5, 5 * 10**5], label="line")
    ax.legend(loc="center")                                       # over the line
    ax.set_ylabel("cost")                                         # no unit
    ax.set_xlabel("x")
    ax.annotate("far outside", (1, 10**6), xytext=(300, 0), textcoords="offset points")
    ax.set_yticks([0, 1, 2], ["zero", "one", "two"])
    fig.canvas.draw()
    assert any("far outside" in w for w, _ in clipped(fig))
    assert overlapping_labels(fig)                                # zero/one/two squeezed at the bottom
    assert legends_over_data(fig)
    assert any("a bar series" in what for _, what in hidden_series(fig))
    assert missing_units(fig)
    plt.close(fig)


def test_the_new_checks_find_what_they_look_for():
    # a value label run into the panel's title, minor tick labels on each other, a log
    # axis whose lowest row has no labelled tick under it, a cut the axis does not name
    style.apply()
    fig, axes = style.figure(1)
    ax = axes[0]
    bars = ax.bar([0], [10])
    ax.set_ylim(0, 10.2)
    ax.bar_label(bars, labels=["10,000,050"], rotation=90, padding=1.5)
    ax.set_title("ring_pingpong, virt (exact), one CPU")
    as_saved(fig)
    assert any("10,000,050" in pair for pair in overlapping_labels(fig))
    plt.close(fig)

    fig, axes = style.figure(1)
    ax = axes[0]
    ax.scatter([2.5e3, 4.5e3], [1, 2])
    ax.set_xscale("log")
    ax.set_xlim(2.2e3, 5e3)                    # under a decade: every minor tick labelled
    as_saved(fig)
    assert overlapping_labels(fig) or len(_drawn_ticklabels(ax, "x")) > len(
        _drawn_ticklabels(ax, "x", minor=False))
    ax.scatter([2, 1e5], [1, 2])
    ax.set_xlim(1.5, 2e5)
    ax.xaxis.set_major_locator(plt.FixedLocator([1e2, 1e4]))
    as_saved(fig)
    assert uncovered_log_axes(fig)
    plt.close(fig)

    fig, axes = style.figure(1)
    ax = axes[0]
    ax.plot([1, 2, 50], [0.1, 0.5, 1.0], label="pipe")
    ax.set_xlim(0, 3)
    ax.set_xlabel("cost per operation [ns]")
    as_saved(fig)
    assert hidden_series(fig)                  # a point past the axis, no cut
    plots.mark_cut(ax, "x", 2, "the largest p99")
    with pytest.raises(AssertionError, match="does not name"):
        hidden_series(fig)                     # a cut the label does not say
    ax.set_xlabel("cost per operation [ns]\n(axis ends past the largest p99)")
    assert not hidden_series(fig)
    plt.close(fig)


def test_real_linux_data_is_a_source(drawn):
    # Linux on the host: its CDF ends at the p99 (a documented cut), its boxes on
    # linear axes where medians span under 10x; a ring sweep across CPUs from 2 ns up.
    present = {s for s, _ in drawn}
    for name in REAL_SOURCES:
        if (REPO / "results" / name / "summary.csv").exists():
            assert name in present
    if ("reference-linux", "latency_box") in drawn:
        one_cpu = [ax for ax in drawn[("reference-linux", "latency_box")].axes
                   if "one CPU" in ax.get_title()]
        assert one_cpu and one_cpu[0].get_xscale() == "linear"


def test_deterministic_bars_print_their_values_and_few_bars_a_group(drawn):
    # anchored_costs and ring_throughput in exact mode: every bar's value printed
    for (source, name), fig in drawn.items():
        if name not in ("anchored_costs", "ring_throughput"):
            continue
        for ax in fig.axes:
            series = [c for c in ax.containers if isinstance(c, BarContainer)]
            if name == "anchored_costs":
                assert len(series) <= plots.MAX_SERIES, (source, ax.get_title(), len(series))
            if name == "ring_throughput" and "virt (exact)" in ax.get_title():
                assert series and not [l for l in ax.get_lines() if not l.get_label().startswith("_")]
            if "(exact)" not in ax.get_title() or "linux" in ax.get_title():
                continue
            printed = {t.get_text() for t in ax.texts}
            for c in series:
                for p in c.patches:
                    if np.isfinite(p.get_height()) and p.get_height() > 0:
                        assert plots.value_text(p.get_height()) in printed, (source, ax.get_title())


def test_the_cross_system_figure_is_one_column_of_systems_side_by_side(drawn):
    for (source, name), fig in drawn.items():
        if name != "cross_system":
            continue
        assert fig.get_figwidth() == style.COLUMN, source
        systems = [{t.get_text() for t in ax.get_legend().get_texts()} for ax in fig.axes]
        for s in systems:   # a panel of one system that another sets beside others: left out
            assert len(s) > 1 or not any(s <= o and len(o) > 1 for o in systems), (source, systems)
