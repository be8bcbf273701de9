"""The QEMU plugin end to end (make test-plugin; plugin/README.md).

The paths are the build's (bench/platform.py's BUILD: make's $(BUILD)).
"""

import csv
import gzip
import os
import subprocess
import sys

import pandas as pd
import pytest

from analysis import profile
from bench import execute, platform as platmod, plugin, results, schema

ROOT = platmod.ROOT
IMAGE = os.path.join(ROOT, platmod.KERNEL_IMAGE)
SO = os.path.join(ROOT, plugin.PLUGIN_SO)
SYNTH = os.path.join(ROOT, platmod.BUILD, "plugin", "synthetic.elf")


def qemu_argv(image, words=""):
    desc = platmod.load_qemu_json(os.path.join(os.path.dirname(IMAGE), platmod.QEMU_JSON))
    return platmod.qemu_argv(desc, "exact", image, [words] if words else [""])


def run_synthetic(tmp_path, mode="profile"):
    out = str(tmp_path / f"synthetic-{mode}.txt")
    r = subprocess.run(qemu_argv(SYNTH) + plugin.plugin_option(SO, out, mode),
                       capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    return plugin.parse_output(out)


# --- the synthetic guest: a known instruction mix and footprint -------------------

def test_synthetic_profile_and_footprint(tmp_path):
    """plugin/test/synthetic.S: 50 runs of 18 instructions (measure 3, seven 7,
    touch 8), 3 instruction lines, 6 data lines."""
    out = run_synthetic(tmp_path)
    pair, kinds = profile.match(out, [18] * 50)
    syms = profile.Symbols(SYNTH)
    assert (syms.name(pair[0]), syms.name(pair[1])) == ("measure", "measure")
    prof = profile.metric_profile(out, syms, kinds, pair, 50, 0, 1)
    assert prof == {("measure", "kernel"): 3, ("seven", "kernel"): 7, ("touch", "kernel"): 8}
    fp = profile.footprint_values(out, kinds)
    assert fp["i_lines"] == [3] * 50 and fp["d_lines"] == [6] * 50
    # Cold: every line misses in its L1 and in the L2 (3 + 6).
    assert fp["l1i_misses_cold"] == [3] * 50 and fp["l1d_misses_cold"] == [6] * 50
    assert fp["l2_misses_cold"] == [9] * 50
    # Hot: the first run finds only `measure`'s line cached (it ran the
    # first counter read); every later run hits everywhere.
    assert sorted(fp["l1i_misses_hot"]) == [0] * 49 + [2]
    assert sorted(fp["l1d_misses_hot"]) == [0] * 49 + [6]
    assert sorted(fp["l2_misses_hot"]) == [0] * 49 + [8]
    # The inline total: 3 to the first read, 50 x 18, 49 x 3 back round the
    # loop, and 6 from the last read to the semihosting call.
    assert out.total == 3 + 50 * 18 + 49 * 3 + 6


def test_synthetic_coverage(tmp_path):
    out = run_synthetic(tmp_path, "coverage")
    syms = profile.Symbols(SYNTH)
    by_sym = {}
    for pc, n in out.coverage.items():
        by_sym.setdefault(syms.name(pc), set()).add(n)
    assert by_sym["seven"] == {50} and by_sym["touch"] == {50}
    assert len([pc for pc in out.coverage if syms.name(pc) == "seven"]) == 7


# --- a workload: the samples are the same, the profile adds up --------------------

def test_profile_totals_and_identical_samples(tmp_path):
    """make profile's pipeline on ep_call; then the same runs without the plugin
    give byte-identical samples (exact mode is deterministic)."""
    words = ["workload=ep_call", "words=0", "space=diff", "iterations=300", "warmup=30"]
    final = plugin.run_profile(words, IMAGE, SO, str(tmp_path / "results"),
                               str(tmp_path / "cache"))
    rows = profile.write_profile(final)
    summ = pd.read_csv(os.path.join(final, schema.SUMMARY), keep_default_na=False)
    timed = summ[summ["unit"] == "instructions"].set_index("metric")
    assert set(timed.index) == {"call", "replyrecv"}
    for r in rows:
        total = sum(r["profile"].values())
        assert total == pytest.approx(timed.loc[r["metric"], "p50"], abs=1e-9), r["metric"]
        assert r["mean"] == r["median"]          # deterministic: every sample the same
        # the kernel does the work: most of the path is kernel code
        kern = sum(v for (s, sp), v in r["profile"].items() if sp == "kernel")
        assert kern > total / 2
    fp = summ[summ["counter"] == schema.PLUGIN_COUNTER]
    assert set(fp["unit"]) == set(schema.PLUGIN_UNITS)
    assert set(fp["metric"]) == {f"{m}.{s}" for m in ("call", "replyrecv")
                                 for s in schema.PLUGIN_METRICS}
    assert (fp[fp["metric"] == "call.i_lines"]["p50"] > 0).all()
    assert os.path.isfile(os.path.join(final, schema.PLOTS, "profile.png"))
    with gzip.open(os.path.join(final, schema.SAMPLES), "rt") as f:
        with_plugin = [row for row in csv.reader(f)]
    assert len(with_plugin) == 1 + 2 * 300

    # The same run, no plugin, through the same executor.
    _, runs = plugin.plan(words, IMAGE, str(tmp_path / "cache"))
    work = str(tmp_path / "plain")
    os.makedirs(os.path.join(work, "done"))
    os.makedirs(os.path.join(work, schema.CAPTURES))
    plain = platmod.Platform("virt", "exact", image=IMAGE)
    o = execute.execute(plain, runs[0], work, execute.Supervisor(), plain.image_sha256(),
                        results.host_info())
    assert o["status"] == "ok", o["reason"]
    with open(os.path.join(work, "done", f"{runs[0].run_id}.samples.csv")) as f:
        without = [row for row in csv.reader(f)]
    assert with_plugin[1:] == without


@pytest.mark.parametrize("words", [["workload=null_syscall", "iterations=200", "warmup=20"],
                                   ["workload=ntfn_signal", "to=high", "iterations=200",
                                    "warmup=20"]])
def test_samples_identical(tmp_path, words):
    """Samples with the plugin loaded are byte-identical to those without."""
    _, runs = plugin.plan(words, IMAGE, str(tmp_path / "cache"))
    got = {}
    for name, plat in (("plain", platmod.Platform("virt", "exact", image=IMAGE)),
                       ("plugin", plugin.PluginPlatform("exact", SO, "profile", image=IMAGE))):
        work = str(tmp_path / name)
        os.makedirs(os.path.join(work, "done"))
        os.makedirs(os.path.join(work, schema.CAPTURES))
        o = execute.execute(plat, runs[0], work, execute.Supervisor(), plat.image_sha256(),
                            results.host_info())
        assert o["status"] == "ok", o["reason"]
        with open(os.path.join(work, "done", f"{runs[0].run_id}.samples.csv"), "rb") as f:
            got[name] = f.read()
    assert got["plain"] and got["plain"] == got["plugin"]
    # and the plugin did run: its output names the path
    out = plugin.parse_output(os.path.join(str(tmp_path / "plugin"),
                                           schema.plugin_path(runs[0].run_id)))
    assert out.total > 0 and out.kinds


# --- refusals: never a silent run without instrumentation --------------------------

@pytest.mark.parametrize("arg,why", [("bogus=1", "unknown key"), ("mode=fast", "mode is"),
                                     ("out=/tmp/second.txt", "out given twice")])
def test_bad_plugin_argument_stops_qemu(tmp_path, arg, why):
    opt = f"{SO},out={tmp_path / 'x.txt'},{arg}"
    r = subprocess.run(qemu_argv(IMAGE, "workload=null_syscall") + ["-plugin", opt],
                       capture_output=True, timeout=60)
    err = r.stderr.decode(errors="replace")
    assert r.returncode != 0
    assert f"ipclab plugin: bad argument '{arg}': {why}" in err
    assert b"IPCLAB" not in r.stdout            # nothing ran


def test_no_output_file_stops_qemu(tmp_path):
    r = subprocess.run(qemu_argv(IMAGE, "workload=null_syscall") + ["-plugin", f"{SO},mode=profile"],
                       capture_output=True, timeout=60)
    assert r.returncode != 0 and b"no out=FILE" in r.stderr


def test_harness_refuses_bad_options(tmp_path):
    with pytest.raises(plugin.PluginError, match="plugin mode"):
        plugin.plugin_option(SO, "/tmp/x", "fast")
    with pytest.raises(plugin.PluginError, match="commas"):
        plugin.plugin_option(SO, "/tmp/a,b", "profile")
    with pytest.raises(plugin.PluginError, match="plugin mode"):
        plugin.PluginPlatform("exact", SO, "everything", image=IMAGE)
    with pytest.raises(plugin.PluginError, match="mode="):
        plugin.words_to_sweep(["workload=null_syscall", "mode=timed"])


def test_cut_output_is_an_error(tmp_path):
    p = tmp_path / "cut.txt"
    p.write_text("ipclab-plugin 1 mode=profile line=64\nT 5\nK 0 0 0x10 3 1 0\n")
    with pytest.raises(plugin.PluginError, match="cut"):
        plugin.parse_output(str(p))
    p.write_text("ipclab-plugin 1 mode=profile line=64\nT 5\nK 0 zz\nE\n")
    with pytest.raises(plugin.PluginError, match="line 3"):
        plugin.parse_output(str(p))
    with pytest.raises(plugin.PluginError, match="cannot read"):
        plugin.parse_output(str(tmp_path / "absent.txt"))


def test_profile_totals_across_cpus(tmp_path):
    """A cross-CPU Call wakes its server with an SGI: device writes in the
    middle of blocks, which QEMU re-runs (plugin.c, struct undo); the profile
    still adds up to the samples."""
    words = ["workload=ep_call", "words=0", "space=diff", "placement=cross", "cpus=2",
             "iterations=100", "warmup=10"]
    final = plugin.run_profile(words, IMAGE, SO, str(tmp_path / "results"),
                               str(tmp_path / "cache"))
    rows = profile.analyse(final)
    assert {r["metric"] for r in rows} == {"call", "replyrecv"}
    for r in rows:
        assert sum(r["profile"].values()) == pytest.approx(r["median"], abs=1e-9)
        assert r["mean"] == r["median"]


# --- the sweep setting: plugin = "profile" ------------------------------------------

SWEEP = """name = "plugsweep"
platform = "{platform}"
mode = "exact"
plugin = "{plugin}"
repetitions = 2
[[run]]
workload = "null_syscall"
params = {{ iterations = 100, warmup = 10 }}
"""


def bench_run(tmp_path, text):
    path = tmp_path / "sweep.toml"
    path.write_text(text)
    return subprocess.run([sys.executable, "-m", "bench", "run", str(path), "--image", IMAGE,
                           "--results", str(tmp_path / "results"), "--cache-dir",
                           str(tmp_path / "cache"), "--no-plots", "--no-build"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT,
                          env={**os.environ, "IPCLAB_CROSS": profile.cross_tool("")})


def test_sweep_setting_profiles_every_run(tmp_path):
    r = bench_run(tmp_path, SWEEP.format(platform="virt", plugin="profile"))
    assert r.returncode == 0, r.stderr
    (final,) = [p for p in (tmp_path / "results").iterdir() if not p.name.startswith(".")]
    assert sorted(os.listdir(final / schema.PLUGIN_DIR)) == ["0-null_syscall-r0.txt",
                                                              "0-null_syscall-r1.txt"]
    summ = pd.read_csv(final / schema.SUMMARY, keep_default_na=False).set_index("metric")
    assert summ.loc["null.i_lines", "unit"] == "lines"
    assert summ.loc["null.i_lines", "reps"] == 2 and summ.loc["null.i_lines", "n"] == 2 * 110
    prof = pd.read_csv(final / schema.PROFILE_CSV)
    assert prof["instructions"].sum() == pytest.approx(summ.loc["null", "p50"])


@pytest.mark.parametrize("platform,plugin_setting,why", [
    ("virt", "everything", "'everything' is not one of profile"),
    ("linux-virt", "profile", "exact mode")])
def test_sweep_setting_refused(tmp_path, platform, plugin_setting, why):
    r = bench_run(tmp_path, SWEEP.format(platform=platform, plugin=plugin_setting))
    assert r.returncode == 2 and "plugin: " in r.stderr and why in r.stderr


def test_error_paths_of_the_coverage_report(tmp_path):
    """coverage.md's table of the ABI's error codes: reached, never reached,
    and lines without instructions of their own (not judged)."""
    from analysis import coverage
    (tmp_path / "kernel").mkdir()
    (tmp_path / "kernel" / "x.c").write_text(
        "int f(int a)\n{\n\tif (a) return IPC_E_SLOT;\n\tif (a > 1) return IPC_E_TYPE;\n"
        "\treturn IPC_E_ARG; /* IPC_E_RANGE in a comment */\n}\n")
    errs = coverage.error_paths([("kernel/x.c", {3, 4}, {3})], root=tmp_path)
    assert errs["SLOT"] == [("kernel/x.c", 3, True)]
    assert errs["TYPE"] == [("kernel/x.c", 4, False)]
    assert errs["ARG"] == [("kernel/x.c", 5, None)]
    assert errs["RANGE"] == [] and errs["PRIO"] == []
    assert list(errs)[:2] == ["NOSYS", "SLOT"]          # abi.h's order, every code


def test_expected_sweep_identical_with_the_plugin(tmp_path):
    """bench/sweeps/expected.toml (the sweep whose samples are committed), once
    as it is and once with plugin = "profile": the same samples, byte for byte."""
    from bench import expected
    plain = expected.fresh_samples(IMAGE, workdir=str(tmp_path))
    text = open(expected.SWEEP).read()
    assert '\nmode = "exact"\n' in text
    r = bench_run(tmp_path, text.replace('\nmode = "exact"\n', '\nmode = "exact"\nplugin = "profile"\n'))
    assert r.returncode == 0, r.stderr
    (final,) = [p for p in (tmp_path / "results").iterdir() if not p.name.startswith(".")]
    with gzip.open(final / schema.SAMPLES, "rb") as f:
        with_plugin = f.read()
    assert plain.count(b"\n") > 100 and with_plugin == plain
    assert len(os.listdir(final / schema.PLUGIN_DIR)) == len(list(csv.reader(
        open(final / schema.RUNS)))) - 1
