"""Comparison on a known shift, on identical inputs, and in exact mode."""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from analysis import compare as cmp
from analysis.compare import compare, geomean, write_compare
from bench import schema

from .conftest import make_fixtures

REPO = Path(__file__).resolve().parents[2]


def linux_dir(root, name, factors, reps=5, seed=11):
    """Linux ns results: three configurations, each scaled by factors[workload]."""
    rng = np.random.default_rng(seed)
    r = make_fixtures.ResultsDir(name, "linux", "timed")
    for workload, base in (("pipe", 6000.0), ("eventfd", 5000.0), ("futex", 4000.0)):
        # The same noise in A and B (same seed): only the factor differs.
        noise = rng.lognormal(0, 0.05, (reps, 40))
        scale = factors.get(workload, 1.0)
        r.run(workload, {"placement": "cross", "size": 64}, reps,
              [("rtt", "ns", "tsc", 1, 20,
                lambda rep, noise=noise, base=base, scale=scale:
                np.round(base * scale * noise[rep] * (1 + 0.01 * rep)).astype(int).tolist())])
    r.write(root)
    return root / name


def by_workload(table):
    return {w: row for w, (_, row) in zip(table["workload"], table.iterrows())}


def test_known_shift(tmp_path):
    a = linux_dir(tmp_path, "a", {})
    b = linux_dir(tmp_path, "b", {"pipe": 1.25, "eventfd": 1.01})
    table, only_a, only_b = compare(a, b)
    assert (only_a, only_b) == ([], [])
    rows = by_workload(table)

    pipe = rows["pipe"]  # 25% slower
    assert pipe["ratio"] == pytest.approx(1.25, rel=0.002)
    assert pipe["ratio_ci_lo"] < 1.25 < pipe["ratio_ci_hi"]
    assert pipe["ratio_ci_lo"] > 1.1
    assert pipe["p_value"] < 0.05           # 5 vs 5 repetitions, all B above all A
    assert pipe["verdict"] == "slower +25.0%"

    eventfd = rows["eventfd"]  # 1%: real but under the 2% threshold
    assert eventfd["ratio"] == pytest.approx(1.01, rel=0.002)
    assert eventfd["verdict"] == "no significant change"

    futex = rows["futex"]  # unchanged
    assert futex["ratio"] == 1.0
    assert futex["verdict"] == "no significant change"

    # Over a lower threshold the U test decides: 1% is within the 1%-per-repetition drift
    # of the fixture, so it is not significant, and the verdict says so with its size.
    rows = by_workload(compare(a, b, threshold=0.005)[0])
    assert rows["eventfd"]["p_value"] > 0.05
    assert rows["eventfd"]["verdict"].startswith("no significant change (+1.0%, p=")
    assert rows["pipe"]["verdict"] == "slower +25.0%"

    # Geometric mean of 1.25, 1.01 and 1.
    assert geomean(table) == pytest.approx((1.25 * 1.01) ** (1 / 3), rel=0.002)


def test_known_shift_the_other_way_and_few_repetitions(tmp_path):
    a = linux_dir(tmp_path, "a", {}, reps=2)
    b = linux_dir(tmp_path, "b", {"futex": 0.8}, reps=2)
    rows = by_workload(compare(a, b)[0])
    assert math.isnan(rows["futex"]["p_value"])
    assert "too few repetitions" in rows["futex"]["u_test"]
    assert rows["futex"]["verdict"] == "faster -20.0%"     # decided by the bootstrap interval
    assert rows["pipe"]["verdict"] == "no significant change"


def test_identical_inputs(fixture_dir, tmp_path):
    a = fixture_dir("small")
    table, only_a, only_b = compare(a, a)
    assert (only_a, only_b) == ([], [])
    assert (table["ratio"] == 1.0).all()
    exact = table["mode"] == "exact"
    assert exact.any() and (~exact).any()
    assert (table.loc[exact, "verdict"] == "identical").all()
    assert (table.loc[exact, ["ratio_ci_lo", "ratio_ci_hi"]] == 1.0).all().all()
    assert (table.loc[~exact, "verdict"] == "no significant change").all()
    assert geomean(table) == 1.0


def test_exact_mode_any_difference_is_real(fixture_dir, tmp_path):
    a = fixture_dir("hand")

    def edited(name, edit):
        r = make_fixtures.hand()
        r.name = name
        for s in r.samples:
            if s[1] == "ntfn_signal":
                edit(s)
        r.write(tmp_path)
        return tmp_path / name

    # One ntfn_signal sample 500 -> 501: the median is unchanged, the samples are not.
    once = {"done": False}

    def one(s):
        if not once["done"]:
            s[-1] += 1
            once["done"] = True
    rows = by_workload(compare(a, edited("one", one))[0])
    assert rows["null_syscall"]["verdict"] == "identical"
    assert rows["ntfn_signal"]["verdict"] == "different (equal medians)"
    assert "difference is real" in rows["ntfn_signal"]["u_test"]

    # Every sample +1 instruction: 0.2%, under the threshold, and still a real change.
    rows = by_workload(compare(a, edited("all", lambda s: s.__setitem__(-1, s[-1] + 1)))[0])
    assert rows["ntfn_signal"]["ratio"] == pytest.approx(501 / 500)
    assert rows["ntfn_signal"]["verdict"] == "slower +0.2%"
    assert rows["null_syscall"]["verdict"] == "identical"


def test_written_outputs_and_command_line(tmp_path):
    a = linux_dir(tmp_path, "a", {})
    b = linux_dir(tmp_path, "b", {"pipe": 1.25})
    table, out = write_compare(a, b)
    assert out == tmp_path / "compare-a-vs-b"
    md = (out / "compare.md").read_text()
    assert "Geometric mean of B/A over 3 configurations: 1.077" in md
    assert "| pipe/rtt (linux) | ns |" in md and "slower +25.0%" in md
    assert (out / "compare.csv").read_text().startswith("workload,metric,params,")
    for ext, magic in (("png", b"\x89PNG"), ("pdf", b"%PDF")):
        assert (out / f"compare.{ext}").read_bytes()[:4] == magic

    r = subprocess.run([sys.executable, "-m", "analysis.compare", str(a), str(b),
                        "--out", str(tmp_path / "o"), "--threshold", "0.3"],
                       cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "(threshold 30.0%)" in r.stdout
    assert "slower" not in (tmp_path / "o" / "compare.md").read_text().split("| verdict |")[1]


def test_linux_under_icount_is_compared_as_exact_counts(fixture_dir, tmp_path):
    # linux-virt's exact mode repeats to the instruction (bench/schema.py
    # DETERMINISTIC): equal samples are "identical", not "no significant change",
    # and any difference is real, reported whatever its size.
    import shutil
    a = fixture_dir("lvirt")
    b = tmp_path / "b"
    shutil.copytree(a, b)
    table, _, _ = compare(a, b)
    assert len(table) and set(table["platform"]) == {"linux-virt"}
    assert set(table["verdict"]) == {"identical"}
    assert schema.DETERMINISTIC == ("virt", "linux-virt")


def big_table(n, changed):
    """A comparison table of ``n`` configurations with long names, ``changed`` of them slower
    or faster (by 5% to 60%), the rest identical: what a full sweep against another gives."""
    import pandas as pd
    rng = np.random.default_rng(5)
    rows = []
    for k in range(n):
        ratio = 1.0 if k >= changed else float(rng.choice([-1, 1]) * rng.uniform(0.05, 0.6) + 1)
        verdict = ("identical" if ratio == 1.0 else
                   ("slower " if ratio > 1 else "faster ") + cmp.change(ratio))
        rows.append({"workload": "ring_pingpong", "metric": "rtt",
                     "params": f"placement=cross;size=56;variant=v{k};wake=announce_then_sleep",
                     "platform": "virt", "counter": "icount", "unit": "instructions", "mode": "exact",
                     "reps_a": 3, "reps_b": 3, "n_a": 100, "n_b": 100, "p50_a": 1000.0,
                     "p50_b": 1000.0 * ratio, "ratio": ratio, "ratio_ci_lo": ratio * 0.99,
                     "ratio_ci_hi": ratio * 1.01, "u_test": "", "p_value": np.nan, "verdict": verdict})
    return pd.DataFrame(rows, columns=cmp.COLUMNS)


@pytest.mark.parametrize("n, changed", [(61, 12), (61, 0), (200, 150), (5, 2)])
def test_the_compare_figure_is_bounded(n, changed):
    # Never 55 in tall: at most MAX_ROWS rows, beyond that the changed ones (the
    # largest first) and the title counts what is left out; under a page always.
    import matplotlib.pyplot as plt
    table = big_table(n, changed)
    fig = cmp.figure(table, ("b vs a", cmp.THRESHOLD))
    ax = fig.axes[0]
    drawn = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert len(drawn) <= cmp.MAX_ROWS and fig.get_figheight() <= 9
    if n <= cmp.MAX_ROWS:
        assert len(drawn) == n and "configurations" not in ax.get_title()
    else:
        assert len(drawn) == min(changed, cmp.MAX_ROWS)
        if changed < n:
            assert f"{n - changed} unchanged not drawn ({n - changed} identical)" in " ".join(
                ax.get_title().split())
        if changed > cmp.MAX_ROWS:
            assert f"largest of {changed} changes" in " ".join(ax.get_title().split())
    if not drawn:
        assert any("no change" in t.get_text() for t in ax.texts)
    plt.close(fig)


def test_a_comparison_exports_bencher_json(tmp_path):
    import json
    from analysis import exports
    from .test_compare import linux_dir as mk
    a = mk(tmp_path, "a", {})
    b = mk(tmp_path, "b", {"pipe": 1.25})
    table, out = write_compare(a, b, out=tmp_path / "cmp")
    obj = json.loads((out / "bencher.json").read_text())
    back = exports.read_bencher(obj)          # validates the documented shape
    assert len(back) == int(np.isfinite(table["ratio"]).sum()) > 0
    for r in table.to_dict("records"):
        key = (r["workload"], r["metric"], r["params"], r["platform"], r["counter"],
               f"B/A of {r['unit']}", r["mode"])
        value, lo, hi = back[key]
        assert value == r["ratio"] and lo <= value <= hi
