"""Boot groups (linux-virt): several runs in one boot, each judged on its own.

A fake QEMU (fake_linux_virt.py) prints what linux-virt/init.c prints, so
these tests need no kernel: every run of a group must get its own row and
its own reason; a panic or a hang fails the run it happened in and costs
the later runs of that boot only their first attempt.
"""

import gzip
import json
import os
import sys

import pytest

from bench.tests.helpers import HERE, bench, read_csv, results_dirs, write_sweep

from bench import execute, platform as platmod, sweep as sweepmod

FAKE_QEMU = os.path.join(HERE, "fake_linux_virt.py")


@pytest.fixture
def lv_image(tmp_path):
    """A linux-virt qemu.json whose QEMU is the fake; boot files exist (empty)."""
    for name in ("vmlinuz", "initrd", "dtb"):
        (tmp_path / name).write_bytes(name.encode())
    d = {"qemu": sys.executable, "machine": [FAKE_QEMU, "-board-of-the-fake"],
         "modes": {"exact": ["-exact-mode-of-the-fake"], "timed": []},
         "boot": ["-kernel", str(tmp_path / "vmlinuz"), "-initrd", str(tmp_path / "initrd"),
                  "-dtb", str(tmp_path / "dtb")],
         "append_option": "-append", "append": "console=ttyAMA0 quiet"}
    p = tmp_path / "qemu.json"
    p.write_text(json.dumps(d))
    return str(p)


def sweep_text(entries, timeout=20, reps=1, per_boot=24):
    head = (f'name = "lv"\nplatform = "linux-virt"\nmode = "exact"\n'
            f'repetitions = {reps}\ntimeout = {timeout}\n'
            + (f"boot_group = {per_boot}\n" if per_boot else ""))
    return head + "".join(f'\n[[run]]\nworkload = "{w}"\nparams = {{ {p} }}\n'
                          for w, p in entries)


def run_sweep(tmp_path, lv_image, entries, timeout=20, reps=1, env=None, per_boot=24):
    path = write_sweep(tmp_path, sweep_text(entries, timeout, reps, per_boot))
    log = tmp_path / "boots.log"
    e = {"FAKE_LV_LOG": str(log), "FAKE_STATE_DIR": str(tmp_path)}
    e.update(env or {})
    r = bench("run", path, "--image", lv_image, "--results", str(tmp_path / "res"),
              "--no-analysis", "--cache-dir", str(tmp_path / "cache"), env=e)
    assert r.returncode == 0, r.stderr
    (d,) = results_dirs(str(tmp_path / "res"))
    runs = {row["run_id"]: row for row in read_csv(os.path.join(d, "runs.csv"))}
    boots = [ln for ln in log.read_text().splitlines() if "workload=list" not in ln]
    return d, runs, boots


def test_one_boot_runs_the_group_and_each_run_is_its_own_row(tmp_path, lv_image):
    d, runs, boots = run_sweep(tmp_path, lv_image,
                               [("echo", 'words = [0, 1, 2, 3], variant = ["a", "b"]')], reps=2)
    assert len(runs) == 16 and all(r["status"] == "ok" for r in runs.values())
    # one boot per repetition, each with that repetition's 8 runs in order
    assert len(boots) == 2 and all(len(b.split(" | ")) == 8 for b in boots)
    samples = read_csv(os.path.join(d, "samples.csv.gz"))
    assert {s["platform"] for s in samples} == {"linux-virt"}
    assert {s["unit"] for s in samples} == {"instructions"}
    # every run has its own frames (two metrics of 20 samples each)
    per_run = {}
    for s in samples:
        per_run[s["run_id"]] = per_run.get(s["run_id"], 0) + 1
    assert set(per_run) == set(runs) and set(per_run.values()) == {40}
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    assert meta["linux_virt"]["group_limits"]["runs"] == platmod.GROUP_MAX_RUNS
    assert set(meta["linux_virt"]["boot_files"]) == {"-kernel", "-initrd", "-dtb"}


def test_a_failing_run_fails_alone_with_its_reason(tmp_path, lv_image):
    _, runs, boots = run_sweep(tmp_path, lv_image, [("echo", "words = 1"), ("error", ""),
                                                    ("crash", ""), ("echo", "words = 2")])
    assert runs["0-echo-r0"]["status"] == "ok" and runs["3-echo-r0"]["status"] == "ok"
    assert runs["0-echo-r0"]["attempts"] == "1" and runs["3-echo-r0"]["attempts"] == "1"
    assert runs["1-error-r0"]["status"] == "failed"
    assert "overhead unstable" in runs["1-error-r0"]["reason"]
    assert runs["2-crash-r0"]["status"] == "failed"
    assert "killed by signal SIGSEGV" in runs["2-crash-r0"]["reason"]
    # the first boot ran all four; the retry boots the two that failed after
    # the run that preceded them, not the one after them
    assert len(boots[0].split(" | ")) == 4 and len(boots) == 2
    assert boots[1] == " | ".join(boots[0].split(" | ")[:3])


def test_a_retried_run_boots_after_the_runs_it_followed(tmp_path, lv_image):
    """Its figures depend on what ran before it in the boot: a retry in other
    company would give another figure of the same configuration."""
    d, runs, boots = run_sweep(tmp_path, lv_image, [("echo", "words = 1"), ("echo", "words = 2"),
                                                    ("flaky", ""), ("echo", "words = 3")])
    assert all(r["status"] == "ok" for r in runs.values())
    assert runs["2-flaky-r0"]["attempts"] == "2"
    assert [runs[f"{i}-echo-r0"]["attempts"] for i in (0, 1, 3)] == ["1", "1", "1"]
    first = boots[0].split(" | ")
    assert len(boots) == 2 and boots[1].split(" | ") == first[:3]
    # the runs booted again before it keep their first outcome (attempts 1
    # above) and one capture section
    for rid in ("0-echo-r0", "1-echo-r0"):
        with gzip.open(os.path.join(d, "captures", rid + ".log.gz"), "rt") as f:
            assert f.read().count("=== ipclab capture: run ") == 1


def test_a_panic_fails_its_run_and_the_later_runs_are_retried(tmp_path, lv_image):
    _, runs, boots = run_sweep(tmp_path, lv_image, [("echo", "words = 1"), ("panic", ""),
                                                    ("echo", "words = 2")])
    p = runs["1-panic-r0"]
    assert p["status"] == "failed" and p["attempts"] == "2"
    assert "the boot ended during this run: kernel panic: Kernel panic - not syncing: " \
           "Attempted to kill init" in p["reason"]
    assert runs["0-echo-r0"]["status"] == "ok" and runs["0-echo-r0"]["attempts"] == "1"
    # the run after the panic never began in the first boot; its retry boot
    # does not hold the panicking run, so it succeeds
    late = runs["2-echo-r0"]
    assert late["status"] == "ok" and late["attempts"] == "2"
    assert "not run: the boot ended before it began (kernel panic" in late["reason"]
    # retries: the panicking run after the first, the late one after the
    # first but without the panicking run
    first = boots[0].split(" | ")
    assert sorted(boots[1:]) == sorted([" | ".join(first[:2]), " | ".join([first[0], first[2]])])


def test_a_hang_is_a_timeout_of_its_own_run(tmp_path, lv_image):
    _, runs, _ = run_sweep(tmp_path, lv_image, [("echo", "words = 1"), ("hang", ""),
                                                ("echo", "words = 2")], timeout=3)
    h = runs["1-hang-r0"]
    assert h["status"] == "failed" and h["reason"].startswith(
        "the boot ended during this run: timeout after 3 s")
    assert runs["0-echo-r0"]["status"] == "ok"
    assert runs["2-echo-r0"]["status"] == "ok"


def test_words_the_boot_did_not_run_are_a_failure(tmp_path, lv_image):
    _, runs, _ = run_sweep(tmp_path, lv_image, [("swap", "")])
    assert runs["0-swap-r0"]["status"] == "failed"
    assert "not this run's words" in runs["0-swap-r0"]["reason"]


def test_groups_respect_the_kernel_command_line(lv_image):
    plat = platmod.Platform("linux-virt", "exact", image=lv_image)
    runs = [sweepmod.Run(config=i, workload="echo", params={}, rep=0, timeout=1,
                         words=["workload=echo", f"words={i}", "mode=exact"]) for i in range(60)]
    from bench import cli
    groups = cli.boot_groups(plat, runs, 100)
    assert [len(g) for g in groups] == [24, 24, 12]
    assert [len(g) for g in cli.boot_groups(plat, runs, 10)] == [10] * 6
    assert [r for g in groups for r in g] == runs
    long = [sweepmod.Run(config=i, workload="echo", params={}, rep=0, timeout=1,
                         words=["workload=echo", "pad=" + "x" * 300, "mode=exact"])
            for i in range(10)]
    groups = cli.boot_groups(plat, long, 100)
    assert all(len(plat.command_group([r.words for r in g])[-1]) <= platmod.GROUP_MAX_APPEND
               for g in groups) and len(groups) > 1
    # repetitions never share a boot
    mixed = runs[:2] + [sweepmod.Run(config=0, workload="echo", params={}, rep=1, timeout=1,
                                     words=["workload=echo", "mode=exact"])]
    assert [len(g) for g in cli.boot_groups(plat, mixed, 100)] == [2, 1]


def test_by_default_every_run_boots_alone(tmp_path, lv_image):
    """Without boot_group a run's figures cannot depend on what ran before it."""
    _, runs, boots = run_sweep(tmp_path, lv_image, [("echo", "words = [0, 1, 2]")],
                               per_boot=None)
    assert len(runs) == 3 and all(r["status"] == "ok" for r in runs.values())
    assert sorted(len(b.split(" | ")) for b in boots) == [1, 1, 1]


def test_boot_group_is_refused_elsewhere():
    with pytest.raises(sweepmod.SweepError, match="boot_group: 4: only linux-virt"):
        sweepmod.loads(b'name = "x"\nplatform = "virt"\nboot_group = 4\n'
                       b'[[run]]\nworkload = "echo"\n')


def test_words_that_cannot_be_quoted_are_refused(lv_image):
    plat = platmod.Platform("linux-virt", "exact", image=lv_image)
    with pytest.raises(platmod.PlatformError, match="cannot pass the words"):
        plat.command_group([["workload=echo", 'x="y"']])


def test_console_numbers_of_any_length_fail_their_run_and_the_sweep_goes_on(tmp_path, lv_image):
    d, runs, boots = run_sweep(tmp_path, lv_image, [("echo", "words = 1"), ("hugeend", ""),
                                                    ("hugerun", ""), ("echo", "words = 2")])
    assert runs["0-echo-r0"]["status"] == "ok" and runs["3-echo-r0"]["status"] == "ok"
    # the END line with 5000 digits is no marker: the boot went on into the next run
    assert runs["1-hugeend-r0"]["status"] == "failed", runs["1-hugeend-r0"]
    assert "no END line for this run" in runs["1-hugeend-r0"]["reason"]
    # a RUN line with 5000 digits is output of the run that printed it
    assert runs["2-hugerun-r0"]["status"] == "ok"
    assert not [n for n in os.listdir(tmp_path / "res") if n.startswith(".")]


def test_split_boot_reads_no_unbounded_number():
    data = (b"LINUX-VIRT RUN 0 workload=a\nLINUX-VIRT END 0 exit=" + b"9" * 5000 + b"\n"
            b"LINUX-VIRT RUN " + b"9" * 5000 + b" workload=b\nLINUX-VIRT END 0 exit=3\n")
    _, sections, _, _, _ = execute.split_boot(data)
    assert list(sections) == [0] and sections[0].end == ("exit", 3)
    assert b"9" * 5000 in sections[0].body


def test_split_boot_cuts_at_the_markers():
    data = (b"[ 0.1] early\nLINUX-VIRT BOOT runs=2 kernel=k rng_seed=absent cpus=1\n"
            b"LINUX-VIRT RUN 0 workload=a\nIPCLAB v2 DONE status=ok\nLINUX-VIRT END 0 exit=0\n"
            b"[ 0.2] between\nLINUX-VIRT RUN 1 workload=b\nhalf\n")
    prelude, sections, tail, boot, off = execute.split_boot(data)
    assert prelude[0] == b"[ 0.1] early" and boot.startswith("LINUX-VIRT BOOT")
    assert sections[0].words == "workload=a" and sections[0].end == ("exit", 0)
    assert sections[0].body == b"IPCLAB v2 DONE status=ok\n"
    assert sections[1].end is None and sections[1].body == b"half\n"
    assert not off


def test_boot_end_causes():
    assert execute.boot_end_cause(b"x\n[1] Kernel panic - not syncing: VFS\n", None, 0, b"") \
        == "kernel panic: Kernel panic - not syncing: VFS"
    assert execute.boot_end_cause(b"", "timeout after 2 s", None, b"") == "timeout after 2 s"
    assert execute.boot_end_cause(b"", None, 1, b"qemu: could not load kernel\n") \
        == "QEMU exit status 1: qemu: could not load kernel"
    assert "did not reach /init" in execute.boot_end_cause(b"[0] booting\n", None, 0, b"")


# --- the console capture: the child's writes and the harness's reads --------
#
# A boot group's check() follows the console while QEMU writes it.  It once
# did so with seek()+read() on the file description QEMU's stdout shares: a
# console write racing the seek landed at the offset being read from and
# overwrote earlier bytes (frames "garbled" as `S 342S 3424`, a boot line
# starting `4\r\nUX-VIRT`).  What rules that out: the child's stdout and
# stderr are opened for appending, and the harness reads with pread.

def test_a_run_writes_its_console_in_append_mode(tmp_path):
    probe = ("import fcntl, os, sys\n"
             "for fd in (1, 2):\n"
             "    os.write(1, b'1' if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_APPEND else b'0')\n")
    status, killed, data, errdata, _ = execute._supervise(
        [sys.executable, "-c", probe], str(tmp_path / "probe"), str(tmp_path),
        execute.Supervisor(), "probe", lambda: 0.2, lambda out: None)
    assert (status, killed, errdata) == (0, None, b"")
    assert data == b"11"


def test_reading_the_console_moves_no_offset(tmp_path):
    with open(tmp_path / "console", "a+b") as f:
        f.write(b"LINUX-VIRT BOOT\r\nS 3424\r\n")
        f.flush()
        f.seek(3)
        assert execute.read_at(f, 17, 100) == b"S 3424\r\n"
        assert execute.read_at(f, 0, 5) == b"LINUX"
        assert f.tell() == 3
        assert os.lseek(f.fileno(), 0, os.SEEK_CUR) == 3


def test_a_watch_that_raises_kills_its_run_and_says_why(tmp_path):
    """check() failing is a harness bug: the run ends, killed, with the reason,
    and no process outlives it."""
    pidfile = tmp_path / "pid"
    child = f"import os, time; open({str(pidfile)!r}, 'w').write(str(os.getpid())); time.sleep(60)"

    def check(out):
        raise ValueError("a console line it could not read")

    status, killed, _, _, secs = execute._supervise(
        [sys.executable, "-c", child], str(tmp_path / "probe"), str(tmp_path),
        execute.Supervisor(), "probe", lambda: 1.0, check)
    assert status is None and secs < 30
    assert killed.startswith("harness error while watching the run: ValueError: ")
    pid = int(pidfile.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
