"""bench and analysis together: a fake sweep published WITH the analysis, then
loaded back through analysis.load, so both sides of bench/schema.py are checked
at once (every other bench test passes --no-analysis, for speed)."""

import csv
import json
import os
import statistics

import pytest

from bench import schema
from bench.tests import fake_runner
from bench.tests.helpers import FAKE, bench, read_csv, results_dirs, write_sweep

SWEEP = """
name = "together"
platform = "virt"
repetitions = 2
timeout = 10

[[run]]
workload = "echo"
params = { variant = ["a", "b"], iterations = 12, seed = 5 }

[[run]]
workload = "known"
params = { iterations = 9 }

[[run]]
workload = "error"
repetitions = 1
"""


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("together")
    path = write_sweep(tmp, SWEEP)
    root = tmp / "results"
    r = bench("run", path, "--runner", FAKE, "--results", str(root), "--cache-dir",
              str(tmp / "cache"), "-j", "2")
    assert r.returncode == 0, r.stderr
    [d] = results_dirs(str(root))
    assert os.listdir(root) == [os.path.basename(d)]       # no stage or work left
    return d, r


def test_the_analysis_ran_and_wrote_everything(published):
    d, r = published
    meta = json.load(open(os.path.join(d, schema.META)))
    assert meta["analysis"] == {"summary": "written", "plots": "written", "report": "written"}
    for name in (schema.SUMMARY, schema.SUMMARY_MD, schema.REPORT, schema.PLOTS):
        assert os.path.exists(os.path.join(d, name)), name
    assert "known" in r.stdout and "7 of 7 runs ok" not in r.stdout
    assert "6 of 7 runs ok, 1 failed" in r.stdout


def test_analysis_load_reads_back_what_bench_wrote(published):
    from analysis import load
    d, _ = published
    res = load.load_dir(d)
    assert list(res.runs.columns[:len(schema.RUN_COLUMNS)]) == schema.RUN_COLUMNS
    assert set(schema.SAMPLE_COLUMNS) <= set(res.samples.columns)
    assert len(res.runs) == 7 and (res.runs["status"] == "ok").sum() == 6
    assert res.meta["schema"] == schema.SCHEMA_VERSION
    echo = res.samples[(res.samples["run_id"] == "1-echo-r1") & (res.samples["metric"] == "m2")]
    assert list(echo["value"]) == fake_runner.samples(5, 12, 2)
    assert set(res.samples["params"]) == {
        schema.canonical_params({"iterations": "12", "seed": "5", "variant": v, "warmup": "0",
                                 "words": "0"})
        for v in "ab"} | {schema.canonical_params({"iterations": "9", "seed": "1", "warmup": "0"})}


def test_known_values_survive_to_the_summary(published):
    """The fake target measured raw 1000 + i and subtracted its overhead of 7:
    samples.csv holds exactly raw - 7 with overhead=7 beside it (the harness
    subtracts nothing again, drops nothing), and the summary is of those."""
    d, _ = published
    rows = [r for r in read_csv(os.path.join(d, schema.SAMPLES)) if r["workload"] == "known"]
    raw = [1000 + i for i in range(9)]
    for rep in ("0", "1"):
        mine = [r for r in rows if r["rep"] == rep]
        assert [int(r["value"]) for r in mine] == [v - 7 for v in raw]
        assert {r["overhead"] for r in mine} == {"7"} and {r["per"] for r in mine} == {"1"}
    with open(os.path.join(d, schema.SUMMARY), newline="") as f:
        [row] = [r for r in csv.DictReader(f) if r["workload"] == "known"]
    assert list(row)[:len(schema.SUMMARY_COLUMNS)] == schema.SUMMARY_COLUMNS
    assert float(row["p50"]) == statistics.median(v - 7 for v in raw) == 997
    assert (float(row["min"]), float(row["max"]), int(row["n"]), int(row["reps"])) == \
        (993, 1001, 18, 2)
