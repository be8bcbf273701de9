"""Hostile targets (issue 11): every way a stream can lie or break fails its own
run with a reason, and the sweep goes on to publish; nothing is left behind."""

import os

import pytest

from bench.tests import fake_runner
from bench.tests.helpers import FAKE, bench, read_csv, results_dirs, write_sweep

WHY = {
    "drop": "samples=19, but the run asked iterations=20",
    "repeat": "a second frame of metric m1",
    "unit": "unit=ns, which virt in exact mode cannot produce (it measures instructions)",
    "counter": "counter=perf_cycles; instructions on virt in exact mode comes from pmccntr",
    "empty": "an empty frame (samples=0)",
    "big": "sample 9223372036854775808 is outside int64",
    "giant": "stream line of 100002 bytes, more than 4096",
    "garbage": "not printable ASCII",
    "nul": "byte 0x00",
    "utf8": "byte 0xc3",
    "longline": "more than 4096",
    "v1": "this harness reads version 2 only",
    "swap": "CRC mismatch",
    "extra": "colour=red, the run asked colour=(absent)",
    "flood": "more samples than the samples=5 promised",
}


def test_every_lie_has_an_expected_reason():
    assert set(WHY) == set(fake_runner.LIES)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    lies = ", ".join(f'"{k}"' for k in fake_runner.LIES)
    path = write_sweep(tmp, f"""
name = "hostile"
platform = "virt"
timeout = 20

[[run]]
workload = "echo"

[[run]]
workload = "liar"
params = {{ lie = [{lies}] }}

[[run]]
workload = "echo"
params = {{ seed = 2 }}
""")
    root = tmp / "results"
    r = bench("run", path, "--runner", FAKE, "--results", str(root), "--cache-dir",
              str(tmp / "cache"), "--no-analysis", "-j", "4")
    return r, str(root)


def test_each_lie_fails_its_run_with_its_reason(hostile):
    r, root = hostile
    assert r.returncode == 0, r.stderr
    [d] = results_dirs(root)
    runs = {x["run_id"]: x for x in read_csv(os.path.join(d, "runs.csv"))}
    by_lie = {}
    for x in runs.values():
        if x["workload"] == "liar":
            by_lie[dict(p.split("=") for p in x["params"].split(";"))["lie"]] = x
    assert set(by_lie) == set(WHY)
    for lie, why in WHY.items():
        x = by_lie[lie]
        assert x["status"] == "failed" and x["attempts"] == "2", (lie, x)
        assert why in x["reason"], (lie, x["reason"])
    # the honest runs around them are untouched
    assert [runs[k]["status"] for k in runs if runs[k]["workload"] == "echo"] == ["ok", "ok"]
    ids = {s["run_id"] for s in read_csv(os.path.join(d, "samples.csv.gz"))}
    assert all(runs[i]["workload"] == "echo" for i in ids) and len(ids) == 2
    assert "Traceback" not in r.stderr


def test_nothing_is_left_behind(hostile):
    _, root = hostile
    [d] = results_dirs(root)
    assert os.listdir(root) == [os.path.basename(d)]
