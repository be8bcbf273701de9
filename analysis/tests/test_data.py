"""Data helpers: names and their order come from the data; statistics come from the summary."""

import json

import matplotlib.pyplot as plt  # after analysis.style (imported by analysis.plots) chose Agg
import numpy as np
import pytest

from analysis import data, plots, stats
from analysis.load import load_dir
from analysis.report import make_report
from analysis.summary import read_summary, write_summary

from .conftest import make_fixtures


def novel_dir(root):
    """Variants and wake protocols no analysis code has heard of, listed out of alphabetical order."""
    r = make_fixtures.ResultsDir("novel", "virt", "exact")
    f = make_fixtures.exact()
    for variant, op in (("zephyr", 9), ("quux", 17), ("alpha", 25)):   # the sweep's order
        for batch in (1, 8):
            g = make_fixtures.exact(per=batch)
            r.run("ring_throughput", {"variant": variant, "batch": batch}, 1,
                  [g("batch", [50 + op * batch] * 4)])
    for wake, cost in (("doorbell", 900), ("every", 2000), ("adaptive", 700)):
        for variant in ("zephyr", "alpha"):
            r.run("ring_pingpong", {"variant": variant, "wake": wake}, 1, [f("rtt", [cost] * 4)])
    r.write(root)
    return root / "novel"


def test_words_in_sweep_order_numbers_numerically(tmp_path):
    res = load_dir(novel_dir(tmp_path))
    cf = data.configs(res.samples)
    assert data.ordered_values(cf, "variant") == ["zephyr", "quux", "alpha"]
    assert data.ordered_values(cf, "wake") == ["doorbell", "every", "adaptive"]
    assert data.ordered_values(cf, "batch") == [1, 8]
    # Values that only a mark has go after the data's words, numbers sort in.
    assert data.ordered_values(cf, "wake", extra=["zzz", "every"]) == ["doorbell", "every",
                                                                       "adaptive", "zzz"]
    assert data.ordered_values(cf, "batch", extra=[4, 16]) == [1, 4, 8, 16]


def test_frames_keep_the_stream_order(fixture_dir):
    # ep_call emits call before replyrecv: metric follows that, not the alphabet.
    res = load_dir(fixture_dir("small"))
    ep = res.samples[res.samples["workload"] == "ep_call"]
    order = data.sweep_rank(ep).sort_values().index
    assert list(dict.fromkeys(ep.loc[order, "metric"])) == ["call", "replyrecv"]
    cf = data.configs(ep)
    assert data.ordered_values(cf, "metric") == ["call", "replyrecv"]


def test_plots_draw_variants_they_have_never_heard_of(tmp_path):
    d = novel_dir(tmp_path)
    res = load_dir(d)
    fig = plots.ring_throughput(res.samples)
    names = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert names == ["variant=zephyr", "variant=quux", "variant=alpha"]
    plt.close(fig)
    fig = plots.wake_protocols(res.samples)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["doorbell", "every", "adaptive"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["variant=zephyr", "variant=alpha"]
    # Every bar stands where the data puts it: zephyr's bars at 900, 2000, 700.
    heights = [b.get_height() for b in ax.patches[:3]]
    assert heights == [900, 2000, 700]
    assert ax.get_yscale() == "linear"                  # within a factor 10
    plt.close(fig)
    files = plots.make_plots(res)
    index = json.loads((d / "plots" / "index.json").read_text())
    assert {"ring_throughput", "wake_protocols"} <= {f["name"] for f in index["figures"]}
    assert files


def test_throughput_without_a_batch_parameter_is_bars_per_variant(tmp_path):
    # The Linux runner's ring_throughput takes msgs and backoff, not batch.
    r = make_fixtures.ResultsDir("lin", "linux", "timed")
    for variant, ns in (("stamped", 2), ("mpmc", 8), ("naive", 10)):
        for backoff in (1, 64):
            r.run("ring_throughput", {"variant": variant, "backoff": backoff, "msgs": 1000}, 2,
                  [("batch", "ns", "tsc", 1000, 20, lambda rep, v=ns * 1000 * backoff: [v] * 3)])
    r.write(tmp_path)
    fig = plots.ring_throughput(load_dir(tmp_path / "lin").samples)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["stamped", "mpmc", "naive"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["backoff=1", "backoff=64"]
    # The cost of one message (value / per): 2, 8, 10 ns at backoff 1.
    assert [b.get_height() for b in ax.patches[:3]] == pytest.approx([2, 8, 10])
    assert "cost per message [ns]" in ax.get_ylabel()
    plt.close(fig)


def test_configurations_that_differ_only_in_a_common_parameter_get_series_of_their_own(tmp_path):
    # Two polling configurations of one variant, apart only in iterations (make_fixtures
    # sets iterations to the number of samples): each gets its series, none is dropped.
    r = make_fixtures.ResultsDir("dup", "virt", "exact")
    f = make_fixtures.exact()
    r.run("ring_pingpong", {"variant": "cached", "wake": "poll"}, 1, [f("rtt", [700] * 3)])
    r.run("ring_pingpong", {"variant": "cached", "wake": "poll"}, 1, [f("rtt", [500] * 5)])
    r.run("ring_pingpong", {"variant": "cached", "wake": "every"}, 1, [f("rtt", [900] * 3)])
    r.write(tmp_path)
    df = load_dir(tmp_path / "dup").samples
    cf = data.configs(df)
    assert data.series_columns(cf, df, "wake", first=["variant"]) == ["variant", "iterations"]
    fig = plots.wake_protocols(df)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["variant=cached iterations=3", "variant=cached iterations=5"]
    plt.close(fig)
    # Polling on one CPU waits for a tick: far above the rest, so the axis is logarithmic.
    r.run("ring_pingpong", {"variant": "cached", "wake": "tick"}, 1, [f("rtt", [10**7] * 3)])
    r.write(tmp_path)
    fig = plots.wake_protocols(load_dir(tmp_path / "dup").samples)
    assert fig.axes[0].get_yscale() == "log"
    plt.close(fig)


def test_figures_show_the_summary_they_are_given(fixture_dir):
    res = load_dir(fixture_dir("small"))
    table = stats.summarize(res.samples)
    doctored = table.copy()
    bulk = doctored["workload"] == "bulk"
    doctored.loc[bulk, ["p50", "p50_ci_lo", "p50_ci_hi"]] = 12345.0
    fig = plots.bulk_size(res.samples, doctored)
    ys = np.concatenate([line.get_ydata() for line in fig.axes[0].get_lines() if len(line.get_ydata())])
    assert set(ys) == {12345.0}
    plt.close(fig)


def test_a_summary_of_other_samples_is_refused(fixture_dir):
    res = load_dir(fixture_dir("small"))
    table = stats.summarize(res.samples)
    partial = table[table["workload"] != "bulk"]
    with pytest.raises(ValueError, match="summary has no row for bulk/transfer"):
        plots.bulk_size(res.samples, partial)


def test_publish_loads_once_and_bootstraps_once(fixture_dir, monkeypatch):
    # The harness's sequence: load, summary, plots, report; each step takes what the
    # one before made, so nothing is read or resampled twice.
    d = fixture_dir("small")
    res = load_dir(d)
    calls = {"boot": 0}
    real = stats.bootstrap_medians

    def counting(*a, **kw):
        calls["boot"] += 1
        return real(*a, **kw)
    monkeypatch.setattr(stats, "bootstrap_medians", counting)

    def no_load(*a, **kw):
        raise AssertionError("the directory was loaded again")
    for mod in ("analysis.load", "analysis.summary", "analysis.plots", "analysis.report"):
        monkeypatch.setattr(f"{mod}.load_dir", no_load, raising=False)

    table = write_summary(res)
    assert calls["boot"] == len(table)              # one bootstrap per configuration
    files = plots.make_plots(res, table)
    page = make_report(res, table)
    assert calls["boot"] == len(table)              # none more for the figures or the page
    assert files and page.exists()
    assert f"Summary ({len(table)} configurations)" in page.read_text()
    # The harness's publish writes the exports too (make_report does, from the same table).
    for name in ("exports/bencher.json", "exports/sel4bench.json", "exports/tables/ep_call-virt-exact.tex"):
        assert (d / name).exists(), name


def test_summary_reads_back_as_written(fixture_dir):
    d = fixture_dir("small")
    table = write_summary(d)
    back = read_summary(d)
    assert list(back.columns) == list(table.columns)
    assert (back[["workload", "metric", "params"]] == table[["workload", "metric", "params"]]).all().all()
    assert np.allclose(back["p50"], table["p50"]) and np.allclose(back["p50_ci_hi"], table["p50_ci_hi"])
