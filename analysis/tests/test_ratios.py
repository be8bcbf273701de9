"""Ratios within a round, on fixtures whose per-round medians are known."""

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.ratios import RatioError, order_interval, parse_selector, ratios, write_ratios

from .conftest import make_fixtures

REPO = Path(__file__).resolve().parents[2]

# Per-round medians. The base drifts between rounds; the ring is twice the base in
# every round but the last, where it is three times. Pooled over rounds, the medians
# are 100 (base) and 300 (ring): a ratio of 3 that no round shows.
FLOOR = [100, 300, 100, 300, 100]
RING = [200, 600, 200, 600, 300]


def around(medians):
    """Three samples a round whose median is the round's figure."""
    return lambda rep: [medians[rep] - 1, medians[rep], medians[rep] + 2]


def linux(rounds=5):
    r = make_fixtures.ResultsDir("rounds", "linux", "timed")
    ns = ("rtt", "ns", "tsc", 1, 20)
    r.run("cacheline", {"placement": "cross"}, rounds, [ns + (around(FLOOR),)])
    r.run("ring_pingpong", {"placement": "cross", "variant": "stamped", "wake": "poll"}, rounds,
          [ns + (around(RING),)])
    r.run("pipe", {"placement": "cross"}, rounds - 1,          # one round short
          [ns + (around([10 * m for m in FLOOR]),)])
    # Throughput: per = batch; naive costs 12 a message, cached 4, stamped 3, in every round.
    for variant, per_msg in (("naive", 12), ("cached", 4), ("stamped", 3)):
        for batch in (1, 8):
            r.run("ring_throughput", {"variant": variant, "batch": batch}, rounds,
                  [("batch", "ns", "tsc", batch, 20,
                    lambda rep, v=per_msg * batch: [v, v, v])])
    # A variant whose base (naive at batch 64) was never run.
    r.run("ring_throughput", {"variant": "cached", "batch": 64}, rounds,
          [("batch", "ns", "tsc", 64, 20, lambda rep: [256, 256, 256])])
    return r


@pytest.fixture
def rounds_dir(tmp_path):
    linux().write(tmp_path)
    return tmp_path / "rounds"


def by(table, workload, **params):
    rows = [r for _, r in table.iterrows() if r["workload"] == workload
            and all(f"{k}={v}" in r["params"].split(";") for k, v in params.items())]
    assert len(rows) == 1, rows
    return rows[0]


def test_ratio_within_rounds(rounds_dir):
    table, notes = ratios(rounds_dir, "workload=cacheline", of="workload=ring_pingpong")
    r = by(table, "ring_pingpong")
    assert (r["base_workload"], r["base_metric"], r["quantity"]) == ("cacheline", "rtt", "cost")
    assert r["rounds"] == 5
    assert r["ratio"] == 2.0                           # not 3, the ratio of pooled medians
    assert (r["ratio_min"], r["ratio_max"]) == (2.0, 3.0)
    # 5 rounds: [min, max] is the widest order-statistic interval, coverage 1 - 2/32.
    assert (r["ci_lo"], r["ci_hi"]) == (2.0, 3.0)
    assert r["ci_level"] == pytest.approx(1 - 2 / 32)
    assert notes == []


def test_rate_ratio_is_base_over_configuration(rounds_dir):
    table, _ = ratios(rounds_dir, "workload=cacheline", of="workload=ring_pingpong", rate=True)
    r = by(table, "ring_pingpong")
    assert r["quantity"] == "rate"
    assert r["ratio"] == 0.5
    assert (r["ratio_min"], r["ratio_max"]) == (pytest.approx(1 / 3), 0.5)


def test_each_configuration_gets_the_base_of_its_own_kind(rounds_dir):
    table, notes = ratios(rounds_dir, "variant=naive", of="workload=ring_throughput", rate=True)
    assert len(table) == 4                             # cached and stamped at batch 1 and 8
    for batch in (1, 8):
        cached = by(table, "ring_throughput", variant="cached", batch=batch)
        stamped = by(table, "ring_throughput", variant="stamped", batch=batch)
        assert f"batch={batch}" in cached["base_params"].split(";")
        assert "variant=naive" in cached["base_params"].split(";")
        assert cached["ratio"] == 3.0 and stamped["ratio"] == 4.0   # 12/4 and 12/3 a message
    assert any("no base for ring_throughput/batch batch=64" in n and "batch=64" in n
               for n in notes)


def test_missing_rounds_are_left_out_and_said(rounds_dir):
    table, notes = ratios(rounds_dir, "workload=cacheline", of="workload=pipe")
    r = by(table, "pipe")
    assert r["rounds"] == 4 and r["ratio"] == 10.0
    assert any("round(s) 4 lack this configuration" in n for n in notes)


def test_selector_alternatives_and_conjunction(rounds_dir):
    assert parse_selector("workload=a,variant=x,variant=y") == {"workload": {"a"},
                                                                "variant": {"x", "y"}}
    table, _ = ratios(rounds_dir, "workload=cacheline",
                      of="workload=ring_pingpong,workload=pipe")
    assert sorted(table["workload"]) == ["pipe", "ring_pingpong"]
    table, _ = ratios(rounds_dir, "variant=naive",
                      of="workload=ring_throughput,variant=stamped,batch=8")
    assert len(table) == 1


@pytest.mark.parametrize("base, of, words", [
    ("workload", None, "bad term"),
    ("", None, "empty selector"),
    ("colour=red", None, "no configuration has a column or parameter 'colour'"),
    ("workload=nothing", None, "matches no configuration"),
    ("workload=cacheline", "workload=cacheline", "matches no configuration that is not a base"),
])
def test_bad_selectors_are_named(rounds_dir, base, of, words):
    with pytest.raises(RatioError, match=words):
        ratios(rounds_dir, base, of)


def test_unit_mixing_is_refused(fixture_dir):
    # small/ holds virt (instructions) and Linux (ns) figures; one base in ns.
    with pytest.raises(RatioError, match=r"refusing to divide .* \(platform virt, unit "
                                         r"instructions, counter pmccntr, mode exact\) by "
                                         r"cacheline/rtt \(platform linux, unit ns"):
        ratios(small := fixture_dir("small"), "workload=cacheline")
    table, _ = ratios(small, "workload=cacheline", of="platform=linux")
    assert set(table["unit"]) == {"ns"} and len(table) == 7


def test_order_statistic_interval():
    assert order_interval([5]) == (5.0, 5.0, 0.0)
    assert order_interval([3, 1, 2]) == (1.0, 3.0, 0.75)
    lo, hi, cover = order_interval(range(1, 7))            # 6 rounds: [min, max] reaches 95%
    assert (lo, hi) == (1.0, 6.0) and cover == pytest.approx(1 - 2 / 64)
    lo, hi, cover = order_interval(range(1, 11))           # 10 rounds: second from each end
    assert (lo, hi) == (2.0, 9.0) and cover == pytest.approx(1 - 2 * 11 / 1024)
    lo, hi, cover = order_interval(range(1, 11), level=0.8)
    assert (lo, hi) == (3.0, 8.0) and cover == pytest.approx(1 - 2 * 56 / 1024)


def test_csv_and_command_line(rounds_dir):
    table, notes, path = write_ratios(rounds_dir, "workload=cacheline", of="workload=ring_pingpong")
    assert path == rounds_dir / "ratios.csv"
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1 and rows[0]["ratio"] == "2" and rows[0]["ci_level"] == "0.9375"

    r = subprocess.run([sys.executable, "-m", "analysis.ratios", str(rounds_dir),
                        "--base", "variant=naive", "--of", "workload=ring_throughput",
                        "--rate", "--name", "tput"], cwd=REPO, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert "| ring_throughput/batch batch=8 variant=stamped | ring_throughput/batch variant=naive |" \
        in r.stdout
    assert "note: no base for ring_throughput/batch batch=64" in r.stdout
    assert (rounds_dir / "ratios-tput.csv").exists()

    r = subprocess.run([sys.executable, "-m", "analysis.ratios", str(rounds_dir),
                        "--base", "unit=ns"], cwd=REPO, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "every configuration is a base" in r.stderr


def test_csv_name_stays_in_the_results_directory(rounds_dir):
    with pytest.raises(RatioError, match="--name '../elsewhere'"):
        write_ratios(rounds_dir, "workload=cacheline", of="workload=pipe", tag="../elsewhere")
    _, _, path = write_ratios(rounds_dir, "workload=cacheline", of="workload=pipe", tag="floor")
    assert path == rounds_dir / "ratios-floor.csv"
