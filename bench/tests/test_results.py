"""Results directories: whole or not at all, resumable, and exportable then mergeable."""

import csv
import gzip
import json
import os
import shlex
import shutil
import subprocess

import pytest

from bench import results
from bench.tests.helpers import FAKE, bench, fake_starts, read_csv, results_dirs, write_sweep

# With -j1 the runs start in plan order; "stop" sends SIGTERM to the harness
# (as Ctrl-C would) the first time it runs, after the runs before it finished.
SWEEP = """
name = "resume"
platform = "virt"
repetitions = 2
timeout = 30

[[run]]
workload = "echo"
params = { words = [0, 8], iterations = 5 }

[[run]]
workload = "stop"
params = { iterations = 5 }
"""


def run_sweep(tmp_path, env, *extra, sweep=SWEEP, runner=FAKE):
    path = write_sweep(tmp_path, sweep)
    return bench("run", path, "--runner", runner, "--results", str(tmp_path / "results"),
                 "--cache-dir", str(tmp_path / "cache"), "--no-analysis", "-j", "1", *extra,
                 env=env)


def partials(root):
    return sorted(d for d in os.listdir(root) if d.startswith(".partial-"))


def test_interrupted_sweep_leaves_no_results_then_resumes(tmp_path, fake_env):
    r = run_sweep(tmp_path, fake_env)
    assert r.returncode == 130, r.stderr
    assert "Resume with:" in r.stderr
    root = str(tmp_path / "results")
    assert results_dirs(root) == []                    # nothing published ...
    [work] = partials(root)                            # ... but the work is kept
    done = sorted(f for f in os.listdir(os.path.join(root, work, "done")) if f.endswith(".json"))
    assert done == ["0-echo-r0.json", "1-echo-r0.json"]
    before = fake_starts(fake_env)

    r = run_sweep(tmp_path, fake_env)                  # the same command resumes by itself
    assert r.returncode == 0, r.stderr
    assert "resuming" in r.stderr and "2 of 6 runs already finished" in r.stderr
    after = fake_starts(fake_env)[len(before):]
    # finished runs were not run again: only the interrupted one and those never started
    assert after == [
        "workload=stop iterations=5 seed=1 warmup=0 mode=exact",
        "workload=echo iterations=5 seed=1 variant=a warmup=0 words=0 mode=exact",
        "workload=echo iterations=5 seed=1 variant=a warmup=0 words=8 mode=exact",
        "workload=stop iterations=5 seed=1 warmup=0 mode=exact",
    ]
    [final] = results_dirs(root)
    assert partials(root) == []
    # the command as a user retypes it, not the checkout's bench/__main__.py
    argv = json.load(open(os.path.join(final, "meta.json")))["harness"]["argv"]
    assert argv[:4] == ["python3", "-m", "bench", "run"], argv
    assert not any("__main__" in a for a in argv), argv
    runs = read_csv(os.path.join(final, "runs.csv"))
    assert len(runs) == 6 and all(r["status"] == "ok" for r in runs)
    assert all(r["attempts"] == "1" for r in runs)     # an interrupted attempt is not a failure
    ids = {r["run_id"] for r in read_csv(os.path.join(final, "samples.csv.gz"))}
    assert len(ids) == 6


def test_explicit_resume_and_refusal_when_the_image_changed(tmp_path, fake_env):
    runner = str(tmp_path / "runner.py")
    shutil.copy(FAKE, runner)
    r = run_sweep(tmp_path, fake_env, runner=runner)
    assert r.returncode == 130
    root = str(tmp_path / "results")
    [work] = partials(root)
    work = os.path.join(root, work)
    with open(runner, "a") as f:
        f.write("# rebuilt\n")
    r = bench("run", "--resume", work, "--cache-dir", str(tmp_path / "cache"), "--no-analysis",
              env=fake_env)
    assert r.returncode == 1 and "the image changed" in r.stderr
    # automatic resume does not pick a directory of another image either
    # ("stop" stops only once, so this sweep runs to the end)
    r = run_sweep(tmp_path, fake_env, runner=runner)
    assert r.returncode == 0 and "resuming" not in r.stderr
    assert len(results_dirs(root)) == 1 and os.path.isdir(work)

    shutil.copy(FAKE, runner)                          # the old image again
    r = bench("run", "--resume", work, "--cache-dir", str(tmp_path / "cache"), "--no-analysis",
              "-j", "2", env=fake_env)
    assert r.returncode == 0, r.stderr
    assert len(results_dirs(root)) == 2 and partials(root) == []


def test_publish_failure_leaves_nothing(tmp_path, fake_env):
    sweep = SWEEP.replace('workload = "stop"', 'workload = "echo"').replace(
        "iterations = 5 }\n", "iterations = 5, seed = 2 }\n", 1)
    path = write_sweep(tmp_path, sweep)
    from bench import sweep as sweepmod, platform as platmod, registry, stream
    sw = sweepmod.load(path)
    reg = registry.parse_registry(stream.parse(subprocess.run([FAKE, "workload=list"],
                                  capture_output=True, timeout=60).stdout))
    runs = sweepmod.expand(sw, reg)
    root = str(tmp_path / "results")
    state = {"stamp": "20000101-000000", "name": sw.name, "sweep_sha256": sw.sha256,
             "image_sha256": "x", "platform": "virt", "mode": "exact", "runner": FAKE}
    work = results.create(root, sw, state, runs)
    with pytest.raises(results.ResultsError, match="6 of 6 runs have no outcome"):
        results.publish(work, root, state, runs, analysis=False)
    assert results_dirs(root) == [] and os.listdir(root) == [os.path.basename(work)]


def test_export_then_merge_equals_a_direct_run(tmp_path, fake_env):
    # one "flaky" run (its repetitions would share its one-failure state)
    sweep = SWEEP.replace('workload = "stop"', 'workload = "flaky"\nrepetitions = 1')
    path = write_sweep(tmp_path, sweep)
    direct_root = tmp_path / "direct"
    r = bench("run", path, "--runner", FAKE, "--results", str(direct_root), "--cache-dir",
              str(tmp_path / "cache"), "--no-analysis", env=fake_env)
    assert r.returncode == 0, r.stderr
    [direct] = results_dirs(str(direct_root))

    for f in os.listdir(fake_env["FAKE_STATE_DIR"]):  # let "flaky" fail again, once
        os.unlink(os.path.join(fake_env["FAKE_STATE_DIR"], f))
    exp = tmp_path / "export"
    r = bench("export", path, "--runner", FAKE, "--dir", str(exp), "--cache-dir",
              str(tmp_path / "cache"), env=fake_env)
    assert r.returncode == 0, r.stderr
    lines = (exp / "commands.sh").read_text().splitlines()
    assert len(lines) == 5
    # half the commands write into another directory, as on another machine
    # all at once, as GNU parallel would start them
    other = tmp_path / "other"
    procs = []
    for i, line in enumerate(lines):
        if i % 2:
            line = line.replace(f"--out {shlex.quote(str(exp))}", f"--out {shlex.quote(str(other))}")
        procs.append((line, subprocess.Popen(["sh", "-c", line], stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE, text=True,
                                             env=dict(os.environ, **fake_env), cwd="/")))
    for line, p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, (line, out, err)
    assert os.path.isdir(other / "done")

    merged_root = tmp_path / "merged"
    r = bench("merge", str(exp), "--results", str(merged_root), "--no-analysis")
    assert r.returncode == 1 and "2 of 5 runs have no outcome" in r.stderr
    assert results_dirs(str(merged_root)) == []
    r = bench("merge", str(exp), str(other), "--results", str(merged_root), "--no-analysis")
    assert r.returncode == 0, r.stderr
    [merged] = results_dirs(str(merged_root))

    def unzip(d, name):
        return gzip.decompress(open(os.path.join(d, name), "rb").read())
    assert unzip(merged, "samples.csv.gz") == unzip(direct, "samples.csv.gz")
    assert open(os.path.join(merged, "samples.csv.gz"), "rb").read() == \
        open(os.path.join(direct, "samples.csv.gz"), "rb").read()
    # Which repetition of "flaky" meets its one bad attempt depends on which
    # starts first, and the exported commands start all at once: compare the
    # runs without reason and attempts, then check one retry happened in each.
    def runs(d):
        with open(os.path.join(d, "runs.csv")) as f:
            rows = list(csv.DictReader(f))
        retried = [r["run_id"] for r in rows if r["attempts"] == "2"]
        return [{k: v for k, v in r.items() if k not in ("reason", "attempts")} for r in rows], retried
    merged_rows, merged_retried = runs(merged)
    direct_rows, direct_retried = runs(direct)
    assert merged_rows == direct_rows
    assert len(merged_retried) == len(direct_retried) == 1
    assert merged_retried[0].startswith("2-flaky-") and direct_retried[0].startswith("2-flaky-")
    assert sorted(os.listdir(os.path.join(merged, "captures"))) == \
        sorted(os.listdir(os.path.join(direct, "captures")))


def test_merge_allow_missing_records_failures(tmp_path, fake_env):
    path = write_sweep(tmp_path, SWEEP.replace('workload = "stop"', 'workload = "echo"\nrepetitions = 1')
                       .replace("iterations = 5 }\n", "iterations = 6 }\n"))
    exp = tmp_path / "export"
    r = bench("export", path, "--runner", FAKE, "--dir", str(exp), "--cache-dir",
              str(tmp_path / "cache"), env=fake_env)
    assert r.returncode == 0, r.stderr
    first = (exp / "commands.sh").read_text().splitlines()[0]
    assert subprocess.run(["sh", "-c", first], env=dict(os.environ, **fake_env),
                          timeout=300).returncode == 0
    r = bench("merge", str(exp), "--results", str(tmp_path / "m"), "--allow-missing",
              "--no-analysis")
    assert r.returncode == 0, r.stderr
    [d] = results_dirs(str(tmp_path / "m"))
    runs = read_csv(os.path.join(d, "runs.csv"))
    assert [r["status"] for r in runs].count("ok") == 1
    missing = [r for r in runs if r["status"] == "failed"]
    assert len(missing) == len(runs) - 1
    assert all("never finished" in r["reason"] for r in missing)


def test_merge_notes_a_run_found_twice(tmp_path, fake_env):
    path = write_sweep(tmp_path, SWEEP.replace('workload = "stop"', 'workload = "echo"\nrepetitions = 1')
                       .replace("iterations = 5 }\n", "iterations = 6 }\n"))
    exp, again = tmp_path / "export", tmp_path / "again"
    r = bench("export", path, "--runner", FAKE, "--dir", str(exp), "--cache-dir",
              str(tmp_path / "cache"), env=fake_env)
    assert r.returncode == 0, r.stderr
    lines = (exp / "commands.sh").read_text().splitlines()
    for line in lines + [lines[0].replace(f"--out {shlex.quote(str(exp))}",
                                          f"--out {shlex.quote(str(again))}")]:
        assert subprocess.run(["sh", "-c", line], capture_output=True,
                              env=dict(os.environ, **fake_env), timeout=300).returncode == 0
    r = bench("merge", str(exp), str(again), "--results", str(tmp_path / "m"), "--no-analysis")
    assert r.returncode == 0, r.stderr
    [d] = results_dirs(str(tmp_path / "m"))
    meta = json.load(open(os.path.join(d, "meta.json")))
    [dup] = meta["duplicate_outcomes"]
    assert dup["run_id"] == lines[0].split("--run-id ")[1].split()[0]
    assert dup["kept"] == str(exp)
    assert len(read_csv(os.path.join(d, "runs.csv"))) == len(lines)


def test_run_one_refuses_another_image(tmp_path, fake_env):
    path = write_sweep(tmp_path, SWEEP.replace('workload = "stop"', 'workload = "echo"'))
    exp = tmp_path / "export"
    r = bench("export", path, "--runner", FAKE, "--dir", str(exp), "--cache-dir",
              str(tmp_path / "cache"), env=fake_env)
    assert r.returncode == 0
    line = (exp / "commands.sh").read_text().splitlines()[0]
    sha = line.split("--image-sha256 ")[1].split()[0]
    line = line.replace(sha, "0" * 64)
    p = subprocess.run(["sh", "-c", line], capture_output=True, text=True,
                       env=dict(os.environ, **fake_env), timeout=300)
    assert p.returncode == 2 and "refusing to mix builds" in p.stderr
    assert not os.listdir(exp / "done")
