"""Statistics against values worked out by hand (fixture hand/), and the summary files."""

import csv

import numpy as np
import pytest

from analysis.load import load_results
from analysis.stats import SUMMARY_COLUMNS, bootstrap_medians, median_ci, summarize
from analysis.summary import write_summary

# FORMAT.md: the columns of summary.csv, in order.
FORMAT_COLUMNS = ("workload metric params platform counter unit mode reps n min p50 mean p90 p99 "
                  "p999 max stddev p50_ci_lo p50_ci_hi rep_p50_min rep_p50_max").split()


def row(table, workload):
    rows = table[table["workload"] == workload]
    assert len(rows) == 1
    return rows.iloc[0]


def test_hand_computed_statistics(fixture_dir):
    t = summarize(load_results(fixture_dir("hand")))
    # null_syscall: rep 0 = 3 1 4 1 5, rep 1 = 9 2 6 5 3.
    # Pooled and sorted: 1 1 2 3 3 4 5 5 6 9 (n 10, sum 39, sum of squares 207).
    r = row(t, "null_syscall")
    assert (r["reps"], r["n"]) == (2, 10)
    assert (r["min"], r["max"]) == (1, 9)
    assert r["p50"] == 3.5                       # (3 + 4) / 2
    assert r["mean"] == pytest.approx(3.9)
    # Linear interpolation at rank (n - 1) q: p90 at 8.1 -> 6 + 0.1 * (9 - 6)
    assert r["p90"] == pytest.approx(6.3)
    assert r["p99"] == pytest.approx(6 + 0.91 * 3)
    assert r["p999"] == pytest.approx(6 + 0.991 * 3)
    assert r["stddev"] == pytest.approx(np.sqrt((207 - 10 * 3.9 ** 2) / 9))  # 2.4698...
    assert (r["rep_p50_min"], r["rep_p50_max"]) == (3, 5)  # medians of 1 1 3 4 5 and 2 3 5 6 9
    assert 1 <= r["p50_ci_lo"] <= 3.5 <= r["p50_ci_hi"] <= 9

    # ring_throughput batch=4: samples 40 48 44 time 4 messages each: costs 10 12 11.
    r = row(t, "ring_throughput")
    assert (r["n"], r["min"], r["p50"], r["mean"], r["max"]) == (3, 10, 11, 11, 12)
    assert r["stddev"] == pytest.approx(1.0)
    assert 10 <= r["p50_ci_lo"] <= 11 <= r["p50_ci_hi"] <= 12

    # ntfn_signal: 500 everywhere in three repetitions: zero spread, exact interval.
    r = row(t, "ntfn_signal")
    assert (r["reps"], r["n"], r["p50"], r["stddev"]) == (3, 6, 500, 0)
    assert (r["p50_ci_lo"], r["p50_ci_hi"], r["rep_p50_min"], r["rep_p50_max"]) == (500, 500, 500, 500)


def test_bootstrap_medians_take_only_possible_values():
    rng = np.random.default_rng(1)
    # Few levels: the multinomial path. n = 8 (even): a median averages ranks 4 and 5.
    m = bootstrap_medians([5] * 7 + [9], rng, 500)
    assert set(np.unique(m)) <= {5.0, 7.0, 9.0}
    assert (m == 5).mean() > 0.9  # 9 must be drawn 4 times of 8 to move it
    # Many levels: the direct path. n = 2: medians 1, 1.5 or 2.
    m = bootstrap_medians([1, 2], rng, 500)
    assert set(np.unique(m)) == {1.0, 1.5, 2.0}
    assert 0.35 < (m == 1.5).mean() < 0.65  # probability 1/2


def test_both_bootstrap_paths_agree():
    # The same data drawn both ways gives about the same interval.
    x = np.repeat([100.0, 101, 102, 150], [40, 30, 20, 10])
    few = bootstrap_medians(x, np.random.default_rng(3), 4000)      # 4 levels, n 100: multinomial
    many = bootstrap_medians(x + np.arange(100) * 1e-9, np.random.default_rng(3), 4000)  # direct
    assert np.quantile(few, [0.025, 0.975]) == pytest.approx(np.quantile(many, [0.025, 0.975]), abs=0.01)


def test_interval_is_deterministic_and_depends_on_the_configuration():
    x = np.random.default_rng(0).normal(1000, 50, 200)
    assert median_ci(x, ("a",)) == median_ci(x, ("a",))
    assert median_ci(x, ("a",)) != median_ci(x, ("b",))


def test_summary_files(fixture_dir):
    d = fixture_dir("hand")
    table = write_summary(d)
    assert list(table.columns) == SUMMARY_COLUMNS == FORMAT_COLUMNS
    with open(d / "summary.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == FORMAT_COLUMNS
    assert len(rows) == 4
    null = next(r for r in rows if r[0] == "null_syscall")
    assert null[FORMAT_COLUMNS.index("p50")] == "3.5"
    assert null[FORMAT_COLUMNS.index("p90")] == "6.3"
    md = (d / "summary.md").read_text()
    assert "| workload | metric | params |" in md
    assert "| null_syscall | null | iterations=5;seed=1;warmup=10 | virt |" in md
    assert "value / per" in md
    # Deterministic: the same bytes every time.
    first = (d / "summary.csv").read_bytes()
    write_summary(d)
    assert (d / "summary.csv").read_bytes() == first
