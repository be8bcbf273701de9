"""Statistics against values worked out by hand (fixture hand/), and the summary files."""

import csv

import numpy as np
import pytest

from analysis.load import load_results
from analysis import stats
from analysis.stats import bootstrap_medians, median_ci, summarize
from bench import schema
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
    # n = 2 (drawn in full): medians 1, 1.5 or 2, and 1.5 half the time.
    m = bootstrap_medians([1, 2], rng, 1000)
    assert set(np.unique(m)) == {1.0, 1.5, 2.0}
    assert 0.4 < (m == 1.5).mean() < 0.6
    # Few distinct values, large even n (multinomial counts): a median averages ranks n/2, n/2+1.
    n = stats.DIRECT_MAX + 2
    x = [5] * (n // 2 - 1) + [9] * (n // 2 + 1)   # median 9; (5 + 9) / 2 when one 9 is missing
    m = bootstrap_medians(x, rng, 1000)
    assert set(np.unique(m)) <= {5.0, 7.0, 9.0}
    # 7 needs exactly n/2 fives among n draws (about 1.8% of resamples): a
    # median that took one middle rank for both would never give it.
    assert set(np.unique(m)) == {5.0, 7.0, 9.0}


@pytest.mark.parametrize("n", [stats.DIRECT_MAX + 1, 3 * stats.DIRECT_MAX, 3 * stats.DIRECT_MAX + 1])
def test_bootstrap_paths_agree_with_full_resampling(n):
    # The fast ways of drawing resample medians give the distribution full resampling gives.
    x = np.random.default_rng(n).lognormal(7, 0.1, n)
    full = np.median(x[np.random.default_rng(2).integers(0, n, (2000, n))], axis=1)
    fast = bootstrap_medians(x, np.random.default_rng(3), 2000)          # order statistics
    q = [0.025, 0.25, 0.5, 0.75, 0.975]
    spread = np.quantile(full, 0.975) - np.quantile(full, 0.025)
    assert np.quantile(fast, q) == pytest.approx(np.quantile(full, q), abs=0.1 * spread)
    levels = np.round(x, -2)                                              # few values: multinomial
    assert len(np.unique(levels)) <= stats.FEW_LEVELS
    full = np.median(levels[np.random.default_rng(2).integers(0, n, (2000, n))], axis=1)
    fast = bootstrap_medians(levels, np.random.default_rng(3), 2000)
    for v in np.unique(full):
        assert (fast == v).mean() == pytest.approx((full == v).mean(), abs=0.05)


def test_interval_is_deterministic_and_depends_on_the_configuration():
    x = np.random.default_rng(0).normal(1000, 50, 200)
    assert median_ci(x, ("a",)) == median_ci(x, ("a",))
    assert median_ci(x, ("a",)) != median_ci(x, ("b",))


def test_summary_files(fixture_dir):
    d = fixture_dir("hand")
    table = write_summary(d)
    assert list(table.columns) == schema.SUMMARY_COLUMNS == FORMAT_COLUMNS
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
