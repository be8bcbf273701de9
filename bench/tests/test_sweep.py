"""Sweep files: checked field by field, against the image's registry, before anything runs."""

import os

import pytest

from bench import registry, stream, sweep
from bench.tests.helpers import FAKE, bench, fake_starts, results_dirs, write_sweep

REGISTRY_TEXT = (
    "IPCLAB v2 WORKLOAD name=null_syscall params=iterations:1:1000000:1000,warmup:0:100000:100,seed:0:4294967295:1\n"
    "IPCLAB v2 WORKLOAD name=ntfn_signal params=iterations:1:1000000:1000,warmup:0:100000:100,seed:0:4294967295:1,to:high|low|none:high\n"
    "IPCLAB v2 WORKLOAD name=ep_call params=iterations:1:1000000:1000,warmup:0:100000:100,seed:0:4294967295:1,words:0:512:0,space:same|diff:diff\n"
    "IPCLAB v2 DONE status=ok\n")
REG = registry.parse_registry(stream.parse(REGISTRY_TEXT))

GOOD = """
name = "t"
platform = "virt"
repetitions = 2
timeout = 5

[[run]]
workload = "null_syscall"

[[run]]
workload = "ep_call"
params = { words = [0, 512], space = ["same", "diff"], iterations = 50 }

[[run]]
workload = "ntfn_signal"
repetitions = 1
[run.params]
to = ["high", "none"]
"""


def load(text, **kw):
    sw = sweep.loads(text.encode(), "sweep.toml", **kw)
    sweep.check_against(sw, REG)
    return sw


def error_of(text, **kw):
    with pytest.raises(sweep.SweepError) as e:
        load(text, **kw)
    return str(e.value)


def test_registry_parses_ints_and_words():
    ep = REG["ep_call"]
    assert (ep["words"].kind, ep["words"].lo, ep["words"].hi, ep["words"].default) == ("int", 0, 512, 0)
    assert (ep["space"].kind, ep["space"].words, ep["space"].default) == ("word", ("same", "diff"), "diff")


@pytest.mark.parametrize("line, why", [
    ("name=x params=a:1", "neither"),
    ("name=x params=a:1:2", "default .2. not in 1"),
    ("name=x params=a:1:2:3", "default 3 outside 1..2"),
    ("name=x params=a:p|q:r", "not in"),
    ("name=x params=a:1:z:1", "max 'z' is not an integer"),
    ("params=a:1:2:1", "no name"),
    ("name=x params=mode:1:2:1", "cannot be a parameter"),
])
def test_bad_registry_lines(line, why):
    cap = stream.parse(f"IPCLAB v2 WORKLOAD {line}\nIPCLAB v2 DONE status=ok\n")
    with pytest.raises(registry.RegistryError, match=why):
        registry.parse_registry(cap)


def test_good_sweep_expands_to_interleaved_runs():
    sw = load(GOOD)
    runs = sweep.expand(sw, REG)
    # 1 + 4 + 2 configurations; the last entry has one repetition
    assert len(runs) == 2 * 1 + 2 * 4 + 1 * 2
    assert [r.run_id for r in runs[:7]] == ["0-null_syscall-r0", "1-ep_call-r0", "2-ep_call-r0",
                                            "3-ep_call-r0", "4-ep_call-r0", "5-ntfn_signal-r0",
                                            "6-ntfn_signal-r0"]
    assert runs[7].run_id == "0-null_syscall-r1"      # repetition-major: A B C A B C
    r = runs[1]
    assert r.params == {"iterations": "50", "warmup": "100", "seed": "1", "words": "0", "space": "same"}
    assert r.words == ["workload=ep_call", "iterations=50", "seed=1", "space=same", "warmup=100",
                       "words=0", "mode=exact"]
    assert len({r.run_id for r in runs}) == len(runs)


def test_example_message_from_the_brief():
    text = GOOD + '\n[[run]]\nworkload = "ep_call"\nparams = { words = [8, 600] }\n'
    assert error_of(text) == "sweep.toml: run[3].params.words: 600 is out of range 0..512"


@pytest.mark.parametrize("edit, field, why", [
    (('"ntfn_signal"', '"ntfn_signl"'), "run[2].workload", "unknown workload 'ntfn_signl'"),
    (("to = [", "colour = ["), "run[2].params.colour", "unknown parameter of ntfn_signal"),
    (("iterations = 50", 'iterations = "50"'), "run[1].params.iterations", "expected an integer"),
    (("iterations = 50", "iterations = 5.0"), "run[1].params.iterations", "type float"),
    (("iterations = 50", "iterations = true"), "run[1].params.iterations", "type boolean"),
    (('"high", "none"', '"high", 3'), "run[2].params.to", "expected one of high|low|none"),
    (('"high", "none"', '"high", "sideways"'), "run[2].params.to", "'sideways' is not one of high|low|none"),
    (("iterations = 50", "iterations = []"), "run[1].params.iterations", "empty list"),
    (("iterations = 50", "iterations = [5, 5]"), "run[1].params.iterations", "5 appears twice"),
    (("iterations = 50", "iterations = 0"), "run[1].params.iterations", "0 is out of range 1..1000000"),
    (("iterations = 50", 'mode = "timed"'), "run[1].params.mode", "not a parameter"),
    (("repetitions = 2", "repetitions = 0"), "repetitions", "at least 1"),
    (("repetitions = 2", 'repetitions = "2"'), "repetitions", "expected an integer"),
    (("timeout = 5", "timeout = -1"), "timeout", "more than 0"),
    (("timeout = 5", "timout = 5"), "timout", "unknown key"),
    (('repetitions = 1\n[run.params]', 'repetitons = 1\n[run.params]'), "run[2].repetitons", "unknown key"),
    (('platform = "virt"', 'platform = "riscv"'), "platform", "not one of virt|linux"),
    (('name = "t"', 'name = "a b"'), "name", "names a directory"),
    (('name = "t"\n', ''), "name", "missing"),
])
def test_bad_sweeps_name_the_field(edit, field, why):
    old, new = edit
    assert old in GOOD
    msg = error_of(GOOD.replace(old, new, 1))
    assert msg.startswith(f"sweep.toml: {field}: "), msg
    assert why in msg, msg


def test_empty_run_list_and_bad_toml():
    assert "run: " in error_of('name = "t"\nplatform = "virt"\nrun = []\n')
    assert "invalid TOML" in error_of('name = "t\n')


def test_linux_runs_only_timed():
    text = GOOD.replace('platform = "virt"', 'platform = "linux"\nmode = "exact"')
    assert error_of(text).startswith("sweep.toml: mode: exact mode needs QEMU's icount")
    sw = sweep.loads(GOOD.replace('platform = "virt"', 'platform = "linux"').encode())
    assert sw.mode == "timed"
    assert sweep.loads(GOOD.encode(), platform="linux").mode == "timed"


def test_bad_sweep_is_rejected_before_anything_runs(tmp_path, fake_env):
    path = write_sweep(tmp_path, 'name = "bad"\nplatform = "virt"\n'
                       '[[run]]\nworkload = "echo"\nparams = { iterations = 10 }\n'
                       '[[run]]\nworkload = "echo"\nparams = { words = [8, 600] }\n')
    res = tmp_path / "results"
    r = bench("run", path, "--runner", FAKE, "--results", str(res),
              "--cache-dir", str(tmp_path / "cache"), "--no-analysis", env=fake_env)
    assert r.returncode == 2, r.stderr
    assert f"{path}: run[1].params.words: 600 is out of range 0..512" in r.stderr
    # only the registry was asked; no run started, no directory made
    assert fake_starts(fake_env) == ["workload=list"]
    assert not res.exists() or os.listdir(res) == []
    assert results_dirs(str(res)) == []


def test_registry_is_cached_per_image(tmp_path, fake_env):
    path = write_sweep(tmp_path, 'name = "c"\nplatform = "virt"\n[[run]]\nworkload = "echo"\n')
    for _ in range(2):
        r = bench("check", path, "--runner", FAKE, "--cache-dir", str(tmp_path / "cache"),
                  env=fake_env)
        assert r.returncode == 0, r.stderr
        assert "1 configurations, 1 runs" in r.stdout
    assert fake_starts(fake_env) == ["workload=list"]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "+inf", "0", "0.0", "-1", "-0.5"])
@pytest.mark.parametrize("where", ["top", "run"])
def test_timeouts_are_finite_and_positive(value, where):
    if where == "top":
        text, field = GOOD.replace("timeout = 5", f"timeout = {value}"), "timeout"
    else:
        text = GOOD.replace('workload = "null_syscall"\n',
                            f'workload = "null_syscall"\ntimeout = {value}\n')
        field = "run[0].timeout"
    msg = error_of(text)
    assert msg.startswith(f"sweep.toml: {field}: "), msg
    assert "finite" in msg or "more than 0" in msg, msg


def test_huge_sweeps_are_refused_before_anything_is_expanded(monkeypatch):
    # expand() must never be reached: refused while loading
    monkeypatch.setattr(sweep, "expand", lambda *a: pytest.fail("expanded"))
    axis = ", ".join(str(i) for i in range(200))
    grid = GOOD.replace("iterations = 50", f"iterations = [{axis}], words = [{axis}]")
    grid = grid.replace("words = [0, 512], ", "")
    msg = error_of(grid)
    assert "sweep.toml: run: the sweep has 160004 runs" in msg and "more than the cap of 20000" in msg
    assert "max_runs = 160004" in msg and "--max-runs 160004" in msg
    reps = GOOD.replace("repetitions = 2", "repetitions = 1000000000000")
    msg = error_of(reps)
    assert "runs (configurations x repetitions), more than the cap" in msg
    # an explicit override, in the file or from the caller, lets a real large sweep through
    assert sweep.loads(("max_runs = 200000\n" + grid).encode()).name == "t"
    assert sweep.loads(grid.encode(), max_runs=160004).name == "t"
    msg = error_of("max_runs = 100\n" + grid)
    assert msg.startswith("sweep.toml: max_runs: the sweep has 160004 runs"), msg
    assert "positive" not in error_of("max_runs = 0\n" + GOOD) and \
        "at least 1" in error_of("max_runs = 0\n" + GOOD)


def test_the_cap_counts_exactly():
    # 1*2 + 4*2 + 2*1 = 12 runs: a cap of 12 passes, 11 refuses
    assert len(sweep.expand(sweep.loads(("max_runs = 12\n" + GOOD).encode()), REG)) == 12
    cap = sweep.MAX_RUNS
    try:
        sweep.MAX_RUNS = 11
        assert "the sweep has 12 runs" in error_of(GOOD)
    finally:
        sweep.MAX_RUNS = cap


def test_reserved_keys_are_no_parameters():
    for key in ("metric", "samples", "unit", "per"):
        msg = error_of(GOOD.replace("iterations = 50", f"{key} = 1"))
        assert f"run[1].params.{key}: '{key}' is not a parameter (a key the result stream reserves)" in msg
    cap = stream.parse("IPCLAB v2 WORKLOAD name=x params=samples:1:2:1\nIPCLAB v2 DONE status=ok\n")
    with pytest.raises(registry.RegistryError, match="'samples' is a reserved stream key"):
        registry.parse_registry(cap)


def test_max_runs_on_the_command_line(tmp_path, fake_env):
    axis = ", ".join(str(i) for i in range(150))
    path = write_sweep(tmp_path, 'name = "big"\nplatform = "virt"\n[[run]]\nworkload = "echo"\n'
                       f'params = {{ seed = [{axis}], words = [{axis}] }}\n')
    r = bench("check", path, "--runner", FAKE, "--cache-dir", str(tmp_path / "cache"), env=fake_env)
    assert r.returncode == 2 and "the sweep has 22500 runs" in r.stderr
    r = bench("check", path, "--runner", FAKE, "--cache-dir", str(tmp_path / "cache"),
              "--max-runs", "22500", env=fake_env)
    assert r.returncode == 0 and "22500 runs" in r.stdout, r.stderr


def test_run_one_refuses_a_non_finite_timeout(tmp_path):
    for t in ("nan", "inf", "0", "-3"):
        r = bench("run-one", "--out", str(tmp_path), "--run-id", "0-echo-r0", "--config", "0",
                  "--rep", "0", "--timeout", t, "--platform", "virt", "--mode", "exact",
                  "--runner", FAKE, "workload=echo", "mode=exact")
        assert r.returncode == 2 and "--timeout" in r.stderr, (t, r.stderr)
