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
    ref = REPO / "results" / "reference"
    if (ref / "summary.csv").exists():
        out.append(("reference", load_dir(ref).samples, read_summary(ref)))
    return out


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """{(source, figure name): matplotlib figure, drawn and laid out}."""
    from .test_compare import linux_dir
    root = tmp_path_factory.mktemp("cmp")
    a = linux_dir(root, "a", {})
    b = linux_dir(root, "b", {"pipe": 1.25, "eventfd": 1.01, "futex": 0.7})
    table, _, _ = compare.compare(a, b)
    fig = compare.figure(table, ("b vs a", compare.THRESHOLD))
    fig.canvas.draw()
    figs = {("a/b", "compare"): fig}
    for name, df, table in _sources(root):
        for func in plots.FIGURES:
            try:
                fig = func(df, table)
            except plots.SkipPlot:
                continue
            fig.canvas.draw()
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


def _drawn_ticklabels(ax, axis):
    """The tick labels the axis actually draws (those within its view limits)."""
    a = ax.xaxis if axis == "x" else ax.yaxis
    lo, hi = sorted(a.get_view_interval())
    return [t.label1 for t in a.get_major_ticks()
            if t.label1.get_visible() and t.label1.get_text() and lo - 1e-9 <= t.get_loc() <= hi + 1e-9]


def clipped(fig):
    """Texts, legends and axes that reach outside the canvas: [(what, how far in pixels)]."""
    r = fig.canvas.get_renderer()
    W, H = fig.bbox.width, fig.bbox.height
    bad = []
    items = [(f"text {t.get_text()!r}", t) for ax in fig.axes
             for t in [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
             + _drawn_ticklabels(ax, "x") + _drawn_ticklabels(ax, "y") if t.get_text().strip()]
    items += [("legend", ax.get_legend()) for ax in fig.axes if ax.get_legend()]
    items += [(f"text {t.get_text()!r}", t) for t in fig.texts if t.get_text().strip()]
    for what, a in items:
        bb = a.get_window_extent(r)
        over = max(-bb.x0, -bb.y0, bb.x1 - W, bb.y1 - H)
        if over > 1:
            bad.append((what, round(over)))
    return bad


def overlapping_labels(fig):
    """Pairs of tick labels of one axis, or of annotations in one panel, drawn over each other."""
    r = fig.canvas.get_renderer()
    bad = []
    for ax in fig.axes:
        for group in (_drawn_ticklabels(ax, "x"), _drawn_ticklabels(ax, "y"), list(ax.texts)):
            boxes = [(t.get_text(), t.get_window_extent(r)) for t in group if t.get_text().strip()]
            for i in range(len(boxes)):
                for j in range(i + 1, len(boxes)):
                    a, b = boxes[i][1], boxes[j][1]
                    w = min(a.x1, b.x1) - max(a.x0, b.x0)
                    h = min(a.y1, b.y1) - max(a.y0, b.y0)
                    if w > 1 and h > 1:
                        bad.append((boxes[i][0], boxes[j][0]))
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
            if out.any():
                bad.append((ax.get_title(), f"{line.get_label()}: {int(out.sum())} points outside"))
        for c in ax.collections:
            if isinstance(c, PathCollection) and len(c.get_offsets()):
                pts = ax.transData.transform(c.get_offsets())
                if not ((pts[:, 0] >= bb.x0 - 1) & (pts[:, 0] <= bb.x1 + 1)).all():
                    bad.append((ax.get_title(), "marks outside the axes"))
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
          "missing units": missing_units}


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
