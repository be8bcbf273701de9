"""Every figure is drawn, non-empty, with units on its axes; absent workloads skip cleanly."""

import json
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from analysis import anchors, plots, style
import matplotlib.pyplot as plt  # after analysis.style chose the Agg backend
from analysis.load import load_results

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def small_plots(small_made):
    d, files, _ = small_made
    return d, files


def test_every_plot_produced_and_non_empty(small_plots):
    d, files = small_plots
    names = [f.__name__ for f in plots.FIGURES]
    assert sorted(p.name for p in files) == sorted(f"{n}.{e}" for n in names for e in ("pdf", "png"))
    for p in files:
        assert p.parent == d / "plots" and p.stat().st_size > 5000
        if p.suffix == ".pdf":
            assert p.read_bytes()[:5] == b"%PDF-"
        else:
            img = matplotlib.image.imread(p)
            # Not a blank canvas: many distinct colours (lines, bars, text antialiasing).
            rgb = (img[..., :3] * 255).astype(np.uint32)
            assert len(np.unique(rgb[..., 0] << 16 | rgb[..., 1] << 8 | rgb[..., 2])) > 50
    index = json.loads((d / "plots" / "index.json").read_text())
    assert [f["name"] for f in index["figures"]] == names
    assert index["skipped"] == []
    assert all(f["title"] and f["caption"] for f in index["figures"])


def test_figures_have_docstrings():
    for f in plots.FIGURES:
        title, caption = plots.describe(f)
        assert len(caption) > 40, f.__name__


@pytest.fixture(scope="module")
def small_df():
    from .conftest import FIXTURES
    return load_results(FIXTURES / "small")


@pytest.mark.parametrize("func", plots.FIGURES, ids=lambda f: f.__name__)
def test_units_on_every_axis_never_mixed(small_df, func):
    fig = func(small_df)
    units = {"instructions": style.unit_label("instructions"), "ns": "[ns]"}
    seen = set()
    for ax in fig.axes:
        gid = ax.get_gid()
        assert gid and gid.startswith("unit="), "panel does not say its unit"
        unit = gid[len("unit="):]
        seen.add(unit)
        labels = ax.get_xlabel() + " " + ax.get_ylabel()
        value_label = labels.replace("\n", " ")
        if unit == "ns":
            assert "[ns]" in value_label
            assert "instructions" not in value_label
        else:
            assert units[unit] in value_label
            assert "[ns]" not in value_label
        # The samples drawn in this panel are all of that unit.
        assert unit in set(small_df["unit"])
    plt.close(fig)
    if func in (plots.latency_box, plots.cross_system):
        assert seen == {"instructions", "ns"}  # both platforms, kept in separate panels
    if func is plots.latency_cdf:
        assert seen == {"ns"}                  # exact mode is never drawn as a CDF


def test_anchors_drawn_as_labelled_marks(small_df):
    fig = plots.anchored_costs(small_df)
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    drawn = [a for a in anchors.SEL4 if a.workload in set(small_df["workload"])]
    assert len(drawn) == 6  # the fixture has ep_call and ntfn_signal, not ep_send
    for a in drawn:
        assert str(a.value) in texts
    # One label per group of bars, values in the order of the bars: no two labels collide.
    assert "seL4\n191 / 215" in texts and "seL4\n703 / 687" in texts
    assert "(497-635)" in texts
    legend = " ".join(t.get_text() for ax in fig.axes if ax.get_legend()
                      for t in ax.get_legend().get_texts())
    assert "seL4" in legend
    plt.close(fig)


def test_no_anchors_when_units_differ(small_df):
    timed = small_df[small_df["workload"] == "ntfn_signal"].assign(mode="timed", unit="cycles")
    fig = plots.anchored_costs(timed)
    assert not any("seL4" in t.get_text() for ax in fig.axes for t in ax.texts)
    assert "cycles (emulated, QEMU)" in fig.axes[0].get_ylabel()
    plt.close(fig)


def test_anchor_values():
    got = {(a.workload, a.metric, tuple(a.params.items())): (a.value, a.lo, a.hi) for a in anchors.SEL4}
    assert got == {
        ("ep_call", "call", (("words", 0),)): (191, None, None),
        ("ep_call", "replyrecv", (("words", 0),)): (215, None, None),
        ("ep_call", "call", (("words", 10),)): (703, None, None),
        ("ep_call", "replyrecv", (("words", 10),)): (687, None, None),
        ("ep_send", "send", (("words", 0),)): (634, None, None),
        ("ntfn_signal", "signal", (("to", "high"),)): (566, 497, 635),
        ("ntfn_signal", "signal", (("to", "low"),)): (384, None, None),
        (None, "call", ()): (243, None, None),
        (None, "replyrecv", ()): (267, None, None),
    }
    assert anchors.applies("virt", "instructions", "exact")
    assert not anchors.applies("virt", "cycles", "timed")
    assert not anchors.applies("linux", "ns", "timed")


def test_docs_show_the_anchors_of_anchors_py():
    # docs/anchors.md carries the table `python3 -m analysis.anchors` prints, between markers.
    doc = (REPO / "docs" / "anchors.md").read_text()
    table = doc.split("<!-- begin: python3 -m analysis.anchors -->\n")[1].split("<!-- end -->")[0]
    assert table == anchors.markdown_table()
    for a in anchors.SEL4:
        assert f"| {a.value}" in table


def test_no_machine_paths_in_the_analysis():
    # Self-contained: nothing under analysis/ or docs/ points at a particular machine or
    # at files a user of the repository does not have.
    for root in ("analysis", "docs"):
        for p in (REPO / root).rglob("*"):
            if p.suffix in (".py", ".md", ".mk") and p.is_file():
                text = p.read_text(encoding="utf-8")
                # spelled in pieces so that this file does not name them itself
                for bad in ("/wo" + "rk/", "../sh" + "ared", "/ho" + "me/", "/t" + "mp/"):
                    assert bad not in text, f"{p.relative_to(REPO)} names {bad}"


def test_absent_workloads_are_skipped_with_a_note(fixture_dir, caplog):
    d = fixture_dir("hand")  # null_syscall, ring_throughput, ntfn_signal only
    caplog.set_level("INFO", logger="analysis")
    files = plots.make_plots(d)
    index = json.loads((d / "plots" / "index.json").read_text())
    skipped = {s["name"]: s["reason"] for s in index["skipped"]}
    assert set(skipped) == {"bulk_size", "wake_protocols", "cross_system", "latency_cdf"}
    assert "no bulk workload" in skipped["bulk_size"]
    assert "exact mode" in skipped["latency_cdf"]    # the kernel's counts: deterministic
    assert "plot bulk_size skipped: no bulk workload" in caplog.text
    drawn = {p.stem for p in files}
    assert drawn == {"latency_box", "ring_throughput", "anchored_costs"}


def test_unit_labels():
    assert style.unit_label("instructions") == "instructions (QEMU icount)"
    assert style.unit_label("ns") == "ns"
    assert style.unit_label("cycles", "virt") == "cycles (emulated, QEMU)"
    assert style.axis_label("round trip", "ns") == "round trip [ns]"
    assert style.wrap("ring_pingpong placement=cross size=56 variant=cached", 28) == \
        "ring_pingpong\nplacement=cross size=56\nvariant=cached"
    assert "instructions (QEMU icount)" in style.axis_label("cost", "instructions")
