"""The harness end to end on a fake platform: good, crashing, hanging, flaky, refusing runs."""

import gzip
import hashlib
import json
import os

import pytest

from bench import execute, schema, stream, sweep
from bench.tests import fake_runner
from bench.tests.helpers import FAKE, ROOT, bench, fake_starts, read_csv, results_dirs, write_sweep

SWEEP = """
name = "fake"
platform = "virt"
repetitions = 2
timeout = 2

[[run]]
workload = "echo"
params = { variant = ["a", "b"], words = [0, 8], iterations = 10, seed = 7 }

[[run]]
workload = "crash"

[[run]]
workload = "hang"
repetitions = 1
timeout = 1

[[run]]
workload = "flaky"
repetitions = 1

[[run]]
workload = "error"
repetitions = 1
"""


@pytest.fixture(scope="module")
def sweep_result(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("runner")
    state = tmp / "state"
    state.mkdir()
    env = {"FAKE_LOG": str(tmp / "fake.log"), "FAKE_STATE_DIR": str(state)}
    path = write_sweep(tmp, SWEEP)
    res = tmp / "results"
    r = bench("run", path, "--runner", FAKE, "--results", str(res), "--cache-dir",
              str(tmp / "cache"), "--no-analysis", "-j", "3", env=env)
    dirs = results_dirs(str(res))
    return {"proc": r, "dirs": dirs, "env": env, "sweep": path, "root": str(res)}


def runs_by_id(d):
    return {r["run_id"]: r for r in read_csv(os.path.join(d, "runs.csv"))}


def test_sweep_completes_with_one_results_directory(sweep_result):
    r = sweep_result["proc"]
    assert r.returncode == 0, r.stderr
    assert len(sweep_result["dirs"]) == 1
    d = sweep_result["dirs"][0]
    assert os.path.basename(d).endswith("-fake")
    assert f"results: {d}" in r.stdout
    # no work or stage directory left behind
    assert os.listdir(sweep_result["root"]) == [os.path.basename(d)]
    assert sorted(os.listdir(d)) == ["captures", "info.csv", "meta.json", "runs.csv",
                                     "samples.csv.gz", "sweep.toml"]


def test_statuses_reasons_and_retries(sweep_result):
    runs = runs_by_id(sweep_result["dirs"][0])
    assert len(runs) == 4 * 2 + 2 + 1 + 1 + 1
    for rid in ("0-echo-r0", "1-echo-r1", "3-echo-r1"):
        assert runs[rid]["status"] == "ok" and runs[rid]["attempts"] == "1"
        assert runs[rid]["reason"] == ""
    crash, hang = runs["4-crash-r0"], runs["5-hang-r0"]
    assert crash["status"] == "failed" and crash["attempts"] == "2"
    assert "killed by signal SIGSEGV" in crash["reason"] and "truncated" in crash["reason"]
    assert hang["status"] == "failed" and hang["attempts"] == "2"
    assert "timeout after 1 s" in hang["reason"]
    flaky = runs["6-flaky-r0"]
    assert flaky["status"] == "ok" and flaky["attempts"] == "2"
    assert "attempt 1:" in flaky["reason"] and "CRC mismatch" in flaky["reason"]
    err = runs["7-error-r0"]
    assert err["status"] == "failed" and "ERROR overhead unstable" in err["reason"]
    # a failed run is started exactly twice, a good one once (two repetitions each)
    starts = fake_starts(sweep_result["env"])
    assert starts.count("workload=crash iterations=20 seed=1 warmup=0 mode=exact") == 4
    assert starts.count("workload=hang iterations=20 seed=1 warmup=0 mode=exact") == 2
    assert starts.count("workload=flaky iterations=20 seed=1 warmup=0 mode=exact") == 2
    assert starts.count("workload=echo iterations=10 seed=7 variant=a warmup=0 words=0 mode=exact") == 2


def test_captures_keep_every_attempt(sweep_result):
    d = sweep_result["dirs"][0]
    for rid, row in runs_by_id(d).items():
        assert row["capture"] == f"captures/{rid}.log.gz"
        assert os.path.exists(os.path.join(d, row["capture"]))
    hang = gzip.decompress(open(os.path.join(d, "captures/5-hang-r0.log.gz"), "rb").read())
    assert hang.count(b"=== ipclab capture: run 5-hang-r0 attempt") == 2
    assert b"IPCLAB v2 BEGIN workload=hang" in hang and b"timeout" in hang
    flaky = gzip.decompress(open(os.path.join(d, "captures/6-flaky-r0.log.gz"), "rb").read())
    attempts = execute.split_capture(flaky)
    assert len(attempts) == 2
    assert not stream.parse(attempts[0][1]).ok and stream.parse(attempts[1][1]).ok


def test_samples_are_exactly_the_ok_runs(sweep_result):
    d = sweep_result["dirs"][0]
    rows = read_csv(os.path.join(d, "samples.csv.gz"))
    runs = runs_by_id(d)
    ok = {rid for rid, r in runs.items() if r["status"] == "ok"}
    assert {r["run_id"] for r in rows} == ok
    assert list(rows[0]) == schema.SAMPLE_COLUMNS
    got = [int(r["value"]) for r in rows if r["run_id"] == "2-echo-r1" and r["metric"] == "m2"]
    assert got == fake_runner.samples(7, 10, 2)
    r0 = [r for r in rows if r["run_id"] == "2-echo-r1"][0]
    assert r0["params"] == "iterations=10;seed=7;variant=b;warmup=0;words=0"
    assert (r0["platform"], r0["counter"], r0["unit"], r0["mode"], r0["per"], r0["overhead"],
            r0["rep"], r0["i"]) == ("virt", "pmccntr", "instructions", "exact", "1", "4", "1", "0")


def test_info_lines_are_kept_per_run(sweep_result):
    rows = read_csv(os.path.join(sweep_result["dirs"][0], "info.csv"))
    assert {"run_id": "0-echo-r0", "key": "cpu", "value": "fake-a53"} in rows
    assert {"run_id": "4-crash-r0", "key": "cpu", "value": "fake-a53"} in rows


def test_meta_json(sweep_result):
    d = sweep_result["dirs"][0]
    meta = json.load(open(os.path.join(d, "meta.json")))
    text = open(sweep_result["sweep"], "rb").read()
    assert meta["schema"] == 1
    assert meta["sweep"]["sha256"] == hashlib.sha256(text).hexdigest()
    assert open(os.path.join(d, "sweep.toml"), "rb").read() == text
    assert meta["runs"] == {"total": 13, "ok": 9, "failed": 4}
    assert (meta["platform"], meta["mode"], meta["counter"]) == ("virt", "exact", "pmccntr")
    assert meta["command"] == [os.path.relpath(FAKE, ROOT), "<words>"]   # the tree's paths relative
    assert set(meta["git"]) == {"commit", "dirty"}
    assert meta["host"]["cores"] >= 1
    assert meta["info"] == {"cpu": "fake-a53"}
    assert meta["image"]["sha256"] == hashlib.sha256(open(FAKE, "rb").read()).hexdigest()


def test_progress_and_failures_on_stderr(sweep_result):
    err = sweep_result["proc"].stderr
    assert "[13/13 100%]" in err and "left ~" in err
    assert "FAILED 4-crash-r0: killed by signal SIGSEGV" in err


def test_from_capture(sweep_result):
    d = sweep_result["dirs"][0]
    r = bench("--from-capture", os.path.join(d, "captures/6-flaky-r0.log.gz"))
    assert r.returncode == 0, r.stderr          # the last attempt is good
    assert "CRC mismatch" in r.stdout and "2 frame(s) accepted" in r.stdout
    r = bench("--from-capture", os.path.join(d, "captures/4-crash-r0.log.gz"))
    assert r.returncode == 1 and "truncated" in r.stdout
    plain = os.path.join(os.path.dirname(sweep_result["sweep"]), "plain.log")
    with open(plain, "w") as f:
        f.write(stream.frame_text({"workload": "w", "metric": "m", "unit": "ns", "counter": "tsc",
                                   "mode": "timed", "platform": "linux"}, [5, 6, 7])
                + "IPCLAB v2 DONE status=ok\n")
    r = bench("--from-capture", plain, "--samples")
    assert r.returncode == 0 and "n=3 min=5 max=7" in r.stdout and "5 6 7" in r.stdout


def test_judge_rejects_a_frame_that_does_not_match_the_run():
    run = sweep.Run(config=0, workload="echo", params={"words": "8", "iterations": "1"}, rep=0,
                    timeout=1, mode="exact", run_id="0-echo-r0", words=[])
    head = {"workload": "echo", "metric": "m", "unit": "instructions", "counter": "pmccntr",
            "mode": "exact", "platform": "virt"}
    done = "IPCLAB v2 DONE status=ok\n"

    def judge(text, plat="virt", status=0, r=run):
        return execute.judge(r, plat, stream.parse(text + done), status, False)

    good = stream.frame_text(dict(head, words="8", iterations="1"), [1])
    assert judge(good) == []
    lied = stream.frame_text(dict(head, words="9", iterations="1"), [1])
    assert any("words=9, the run asked words=8" in p for p in judge(lied))
    extra = stream.frame_text(dict(head, words="8", iterations="1", colour="red"), [1])
    assert any("colour=red, the run asked colour=(absent)" in p for p in judge(extra))
    assert any("platform=virt, the run asked platform=linux" in p for p in judge(good, "linux"))
    assert any("exit status 3" in p for p in judge(good, status=3))
    assert any("no frames" in p for p in judge(""))
    # the promise against the run's iterations
    two = stream.frame_text(dict(head, words="8", iterations="1"), [1, 2])
    assert any("samples=2, but the run asked iterations=1" in p for p in judge(two))
    # one frame per metric
    assert any("a second frame of metric m" in p for p in judge(good + good))
    # units and counters the platform and mode can produce
    cyc = stream.frame_text(dict(head, unit="cycles", words="8", iterations="1"), [1])
    assert any("unit=cycles, which virt in exact mode cannot produce (it measures instructions)"
               in p for p in judge(cyc))
    tsc = stream.frame_text(dict(head, counter="tsc", words="8", iterations="1"), [1])
    assert any("counter=tsc; instructions on virt in exact mode comes from pmccntr" in p
               for p in judge(tsc))
    timed = sweep.Run(**dict(run.to_json(), mode="timed"))
    assert judge(stream.frame_text(dict(head, mode="timed", unit="cycles", words="8",
                                        iterations="1"), [1]), r=timed) == []
    lx = stream.frame_text(dict(head, mode="timed", platform="linux", words="8", iterations="1"),
                           [1])
    assert any("unit=instructions, which linux in timed mode cannot produce (it measures ns)"
               in p for p in judge(lx, "linux", r=timed))


def test_judge_explains_exit_statuses_from_the_abi_enum():
    from bench import platform
    table = platform.parse_exit_enum("enum ipclab_exit {\n IPCLAB_EXIT_OK = 0, /* fine */\n"
                                     " IPCLAB_EXIT_DEADLOCK = 4, /* nothing runnable */\n};")
    run = sweep.Run(config=0, workload="echo", params={"iterations": "1"}, rep=0, timeout=1,
                    mode="exact", run_id="0-echo-r0", words=[])
    cap = stream.parse("IPCLAB v2 DONE status=ok\n")
    reasons = execute.judge(run, "virt", cap, 4, None,
                            lambda s: platform.explain_exit(s, table))
    assert reasons[0] == "exit status 4 (IPCLAB_EXIT_DEADLOCK: nothing runnable)"
