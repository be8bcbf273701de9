"""Several CPUs (issue 13): a run's `cpus=N` boots QEMU with qemu.json's
smp_option and N (never a copy of the command line here), a run asking for
more than qemu.json allows is refused before anything runs, and the
cross-core configuration of every workload that has one runs through the
harness on the real kernel (skipped when the image or QEMU is absent):
the ring ping-pong with every wake protocol, ring throughput, mpsc with
three producers on three CPUs, the notification ping-pong, signal, Call
and ReplyRecv, the IPI round trip; bad placement and cpus words are
refused with a message naming them.  No test looks at a figure's size.

The kernel image: the build's (bench/platform.py, KERNEL_IMAGE).
"""

import gzip
import json
import os
import subprocess
import shutil

import pytest

from bench import platform, stream
from bench.tests.helpers import ROOT, bench, read_csv, results_dirs, write_sweep

QJ = {"qemu": "qemu-x", "machine": ["-board-opt", "board"], "modes": {"exact": ["-count", "one"],
                                                             "timed": []},
      "smp_option": "-cpus-opt", "max_cpus": 3,
      "image_option": "-kernel", "append_option": "-append"}


def test_cpus_word_boots_with_qemu_jsons_smp_option(tmp_path):
    d = tmp_path / "img"
    d.mkdir()
    (d / "ipclab.elf").write_bytes(b"x")
    (d / "qemu.json").write_text(json.dumps(QJ))
    img = str(d / "ipclab.elf")
    p = platform.Platform("virt", "exact", image=img)
    words = ["workload=w", "cpus=3", "placement=cross", "mode=exact"]
    assert p.command(words) == ["qemu-x", "-board-opt", "board", "-count", "one", "-cpus-opt", "3",
                                "-kernel", img, "-append", " ".join(words)]
    # one CPU: the board's own, no option at all
    assert "-cpus-opt" not in p.command(["workload=w", "cpus=1"])
    assert "-cpus-opt" not in p.command(["workload=w"])
    with pytest.raises(platform.PlatformError, match="at most 3"):
        p.command(["workload=w", "cpus=4"])
    with pytest.raises(platform.PlatformError, match="not a number of CPUs"):
        p.command(["workload=w", "cpus=two"])
    # a build without smp_option cannot boot several
    q = {k: v for k, v in QJ.items() if k not in ("smp_option", "max_cpus")}
    (d / "qemu.json").write_text(json.dumps(q))
    p = platform.Platform("virt", "exact", image=img)
    assert p.command(["workload=w", "cpus=1"])[-1] == "workload=w cpus=1"
    with pytest.raises(platform.PlatformError, match="no smp_option"):
        p.command(["workload=w", "cpus=2"])


@pytest.mark.parametrize("extra, why", [({"max_cpus": 0}, "max_cpus"),
                                        ({"max_cpus": "4"}, "max_cpus"),
                                        ({"smp_option": ""}, "smp_option")])
def test_a_bad_smp_description_is_a_clear_error(tmp_path, extra, why):
    path = tmp_path / "qemu.json"
    path.write_text(json.dumps(dict(QJ, **extra)))
    with pytest.raises(platform.PlatformError, match=why):
        platform.load_qemu_json(str(path))


# --- the real kernel --------------------------------------------------------

IMAGE = os.path.join(ROOT, platform.KERNEL_IMAGE)


def _desc():
    try:
        return platform.load_qemu_json(os.path.join(os.path.dirname(IMAGE), platform.QEMU_JSON))
    except platform.PlatformError:
        return None


real = pytest.mark.skipif(
    not os.path.isfile(IMAGE) or _desc() is None or shutil.which(_desc()["qemu"]) is None,
    reason="the kernel image with its qemu.json (make kernel), or QEMU, is absent")

CROSS = '''name = "cross"
platform = "virt"
mode = "exact"
repetitions = 1
timeout = 60

[[run]]
workload = "ring_pingpong"
params = { variant = "cached", wake = ["poll", "every", "transition", "announce"], placement = "cross", cpus = 2, iterations = 20, warmup = 2 }

[[run]]
workload = "ring_pingpong"
params = { variant = ["naive", "stamped", "mpsc", "mpmc"], wake = "poll", placement = "cross", cpus = 2, iterations = 20, warmup = 2 }

[[run]]
workload = "ring_throughput"
params = { variant = ["cached", "batched"], batch = 16, placement = "cross", cpus = 2, iterations = 20, warmup = 2 }

[[run]]
workload = "mpsc"
params = { producers = 3, placement = "cross", cpus = 4, iterations = 200, warmup = 5 }

[[run]]
workload = "ntfn_pingpong"
params = { placement = "cross", cpus = 2, iterations = 20, warmup = 2 }

[[run]]
workload = "ntfn_signal"
params = { to = ["high", "low"], placement = "cross", cpus = 2, iterations = 20, warmup = 2 }

[[run]]
workload = "ep_call"
params = { space = ["same", "diff"], placement = "cross", cpus = 2, iterations = 20, warmup = 2 }

[[run]]
workload = "ipi"
params = { cpus = [2, 4], iterations = 20, warmup = 2 }
'''


@real
def test_every_cross_core_workload_runs_through_the_harness(tmp_path):
    path = write_sweep(tmp_path, CROSS)
    r = bench("run", path, "--image", IMAGE, "--results", str(tmp_path / "res"), "--cache-dir",
              str(tmp_path / "cache"), "--no-analysis", "-j", "2")
    assert r.returncode == 0, r.stderr + r.stdout
    [res] = results_dirs(str(tmp_path / "res"))
    runs = read_csv(os.path.join(res, "runs.csv"))
    assert runs and all(x["status"] == "ok" for x in runs), [
        (x["run_id"], x["reason"]) for x in runs if x["status"] != "ok"]
    assert len(runs) == 4 + 4 + 2 + 1 + 1 + 2 + 2 + 2
    # each booted with -smp and its cpus, from qemu.json
    smp = _desc()["smp_option"]
    for x in runs:
        text = gzip.open(os.path.join(res, x["capture"]), "rt").read()
        cmd = next(line for line in text.splitlines() if line.startswith("=== command:"))
        cpus = next(w for w in cmd.split() if w.startswith("cpus=")).split("=")[1].strip("'")
        assert f" {smp} {cpus} " in cmd, cmd
        cap = stream.parse(text)
        for f in cap.frames:
            assert f.header["cpus"] == cpus
            assert f.header["placement"] == "cross"
            assert all(v > 0 for v in f.samples)


def _boot(words, cpus):
    argv = platform.qemu_argv(_desc(), "exact", IMAGE, words.split(), cpus=cpus)
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    return stream.parse(p.stdout)


@real
@pytest.mark.parametrize("words, cpus, pattern", [
    ("workload=ring_pingpong placement=across", 1, "placement=across is not one of same,cross"),
    ("workload=ring_pingpong placement=cross", 2, "placement=cross needs cpus=2 or more"),
    ("workload=ntfn_pingpong placement=cross cpus=2", 1, "cpus=2: the machine has 1 CPU"),
    ("workload=mpsc placement=cross cpus=4", 2, "cpus=4: the machine has 2 CPUs"),
    ("workload=ep_call cpus=5", 1, "cpus=5 out of range 1..4"),
    ("workload=ipi placement=same", 2, "placement=cross only"),
    ("workload=ntfn_signal to=none placement=cross cpus=2", 2, "no waiter to place"),
    ("workload=yield placement=cross cpus=2", 2, "both sides must share a CPU"),
    ("workload=ring_throughput placement=cross cpus=2 path=inline", 2, "path=generic"),
])
def test_bad_placement_and_cpus_words_are_refused_by_name(words, cpus, pattern):
    cap = _boot(words, cpus)
    assert cap.done == "fail" and cap.errors and pattern in cap.errors[0], cap.errors


@real
def test_a_sweep_asking_more_cpus_than_the_machine_is_refused_before_running(tmp_path):
    desc = _desc()
    d = tmp_path / "img"
    d.mkdir()
    shutil.copy(IMAGE, d / "ipclab.elf")
    (d / "qemu.json").write_text(json.dumps(dict(desc, max_cpus=2)))
    path = write_sweep(tmp_path, 'name = "big"\nplatform = "virt"\n[[run]]\nworkload = "mpsc"\n'
                                 'params = { placement = "cross", cpus = 3 }\n')
    r = bench("run", path, "--image", str(d / "ipclab.elf"), "--results", str(tmp_path / "res"),
              "--cache-dir", str(tmp_path / "cache"), "--no-analysis")
    assert r.returncode == 2 and "a run on 3 CPUs: the machine of qemu.json has at most 2" in r.stderr
    assert not results_dirs(str(tmp_path / "res"))


@real
@pytest.mark.parametrize("words, cpus", [
    ("workload=ring_pingpong variant=cached wake=poll placement=cross cpus=2 iterations=50", 2),
    ("workload=mpsc producers=3 placement=cross cpus=4 iterations=200", 4),
])
def test_cross_core_figures_repeat_to_the_instruction_in_exact_mode(words, cpus):
    """Exact mode runs the vCPUs round robin on one host thread: two boots
    give the same samples even across CPUs (what the READMEs claim)."""
    a, b = _boot(words, cpus), _boot(words, cpus)
    assert a.done == "ok" and a.frames and b.frames
    assert [f.samples for f in a.frames] == [f.samples for f in b.frames]


def test_side_by_side_takes_the_one_cpu_row_of_the_kernel():
    from bench import sidebyside
    rows = [{"workload": "null_syscall", "metric": "null", "params": p, "p50": v}
            for p, v in (("cpus=2;iterations=5;placement=same", "32"),
                         ("cpus=1;iterations=5;placement=same", "31"),
                         ("cpus=2;iterations=5;placement=cross", "40"))]
    sel = ("null_syscall", "null", {})
    assert sidebyside.pick(rows, sel, "d", sidebyside.ONE_CPU) == (31.0, None)
    # a directory from before placement: its rows have neither parameter
    old = [{"workload": "null_syscall", "metric": "null", "params": "iterations=5", "p50": "30"}]
    assert sidebyside.pick(old, sel, "d", sidebyside.ONE_CPU) == (30.0, None)
    assert sidebyside.pick(rows, sel, "d")[1] == "null_syscall/null matches 3 rows of d"
