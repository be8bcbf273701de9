"""bench/platform.py: the QEMU command from the build's qemu.json, compiler facts from
cflags.txt, exit statuses from the ABI header's enum: nothing copied in Python."""

import json
import os

import pytest

from bench import platform
from bench.tests.helpers import ROOT

QJ = {"qemu": "qemu-x", "machine": ["-board-opt", "board", "-m", "64M"],
      "modes": {"exact": ["-count", "one"], "timed": []},
      "image_option": "-kernel", "append_option": "-append"}


def image_dir(tmp_path, qemu_json=QJ, cflags="cross-gcc -O2 -mflag"):
    d = tmp_path / "img"
    d.mkdir()
    (d / "ipclab.elf").write_bytes(b"\x7fELF not really")
    if qemu_json is not None:
        (d / "qemu.json").write_text(qemu_json if isinstance(qemu_json, str)
                                     else json.dumps(qemu_json))
    if cflags is not None:
        (d / "cflags.txt").write_text(cflags + "\n")
    return d


def test_a_boot_entered_at_el2_adds_qemu_jsons_entry_options(tmp_path):
    qj = dict(QJ, entries={"el1": [], "el2": ["-board-prop", "el2=yes"]},
              smp_option="-cpus-opt", max_cpus=2)
    d = image_dir(tmp_path, qemu_json=qj)
    desc = platform.load_qemu_json(str(d / "qemu.json"))
    (tmp_path / "b").mkdir()
    image_dir(tmp_path / "b")
    assert platform.qemu_argv(desc, "exact", "K", ["w=1"], cpus=2, entry="el2") == [
        "qemu-x", "-board-opt", "board", "-m", "64M", "-count", "one", "-board-prop", "el2=yes",
        "-cpus-opt", "2", "-kernel", "K", "-append", "w=1"]
    assert platform.qemu_argv(desc, "exact", "K", ["w=1"]) == platform.qemu_argv(
        platform.load_qemu_json(str(tmp_path / "b" / "img" / "qemu.json")),
        "exact", "K", ["w=1"])
    with pytest.raises(platform.PlatformError, match="entered at el3: .* offers el1, el2"):
        platform.qemu_argv(desc, "exact", "K", ["w=1"], entry="el3")
    # a build whose qemu.json names no entries enters at EL1 only
    with pytest.raises(platform.PlatformError, match="entered at el2"):
        platform.qemu_argv(platform.load_qemu_json(str(tmp_path / "b" / "img" / "qemu.json")),
                           "exact", "K", [], entry="el2")


def test_argv_is_composed_from_qemu_json(tmp_path):
    d = image_dir(tmp_path)
    img = str(d / "ipclab.elf")
    p = platform.Platform("virt", "exact", image=img)
    assert p.command(["workload=x", "mode=exact"]) == [
        "qemu-x", "-board-opt", "board", "-m", "64M", "-count", "one", "-kernel", img, "-append",
        "workload=x mode=exact"]
    assert platform.Platform("virt", "timed", image=img).command(["a=1"]) == [
        "qemu-x", "-board-opt", "board", "-m", "64M", "-kernel", img, "-append", "a=1"]
    desc = p.describe()
    assert desc["qemu"]["qemu_json"] == QJ and desc["notes"] == []
    assert desc["qemu"]["command"][0] == "qemu-x"
    assert desc["compiler"]["compiler"] == "cross-gcc"
    assert desc["compiler"]["flags"] == "-O2 -mflag"


def test_the_trees_build_writes_what_the_harness_reads():
    kdir = os.path.join(ROOT, os.path.dirname(platform.KERNEL_IMAGE))
    path = os.path.join(kdir, "qemu.json")
    if not os.path.exists(path):
        pytest.skip(f"no {path} (make kernel)")
    q = platform.load_qemu_json(path)
    assert q["modes"]["exact"] and q["modes"]["timed"] == []
    assert q["entries"]["el1"] == [] and q["entries"]["el2"]
    compiler, flags = platform.read_cflags(os.path.join(kdir, "cflags.txt"))
    assert compiler and flags


def test_an_image_without_qemu_json_uses_the_trees_and_says_so(tmp_path):
    d = image_dir(tmp_path, qemu_json=None)
    tree = tmp_path / "tree"
    (tree / platform.BUILD / "kernel").mkdir(parents=True)
    (tree / platform.BUILD / "kernel" / "qemu.json").write_text(json.dumps(dict(QJ, qemu="tree-qemu")))
    p = platform.Platform("virt", "exact", image=str(d / "ipclab.elf"), root=str(tree))
    assert p.command(["w=1"])[0] == "tree-qemu"
    [note] = p.describe()["notes"]
    assert "no qemu.json beside" in note and f"{platform.BUILD}/kernel/qemu.json" in note


@pytest.mark.parametrize("text, why", [
    (None, "missing"),
    ("{not json", "not valid JSON"),
    ("[1]", r"\(top\): expected a JSON object"),
    (json.dumps({k: v for k, v in QJ.items() if k != "machine"}), "machine: expected a list"),
    (json.dumps(dict(QJ, machine=["-board-opt", 3])), "machine: expected a list of non-empty strings"),
    (json.dumps(dict(QJ, entries={"el2": []})), "entries: expected an object"),
    (json.dumps(dict(QJ, entries={"el1": [], "el2": [""]})), "entries.el2: expected a list"),
    (json.dumps(dict(QJ, modes={"exact": []})), "modes.timed"),
    (json.dumps(dict(QJ, qemu="")), "qemu: expected a non-empty string"),
    (json.dumps(dict(QJ, append_option=None)), "append_option"),
])
def test_a_bad_qemu_json_is_a_clear_error(tmp_path, text, why):
    d = image_dir(tmp_path, qemu_json=text)
    # the default image (not --image): no fallback, the error names the file
    p = platform.Platform("virt", "exact", root=str(tmp_path))
    p.image = str(d / "ipclab.elf")
    with pytest.raises(platform.PlatformError, match=why) as e:
        p.command(["w=1"])
    assert str(d / "qemu.json") in str(e.value)


def test_no_cflags_means_an_unknown_compiler_not_a_guess(tmp_path):
    d = image_dir(tmp_path, cflags=None)
    info = platform.compiler_info(platform.Platform("virt", "exact", image=str(d / "ipclab.elf")))
    assert info["compiler"] is None and info["flags"] is None


HEADER = """
/* QEMU's exit status of a run */
enum ipclab_exit {
	IPCLAB_EXIT_OK = 0,            /* the root task ended the run: success */
	IPCLAB_EXIT_FAIL = 1,          /* a test or workload failed */
	IPCLAB_EXIT_PANIC = 2,         /* kernel panic
	                                  (an assertion) */
	IPCLAB_EXIT_KERNEL_FAULT = 3,  /* a kernel fault */
	IPCLAB_EXIT_DEADLOCK = 4       // nothing runnable
};
"""


def test_exit_enum_parser():
    t = platform.parse_exit_enum(HEADER)
    assert t == {0: ("IPCLAB_EXIT_OK", "the root task ended the run: success"),
                 1: ("IPCLAB_EXIT_FAIL", "a test or workload failed"),
                 2: ("IPCLAB_EXIT_PANIC", "kernel panic (an assertion)"),
                 3: ("IPCLAB_EXIT_KERNEL_FAULT", "a kernel fault"),
                 4: ("IPCLAB_EXIT_DEADLOCK", "nothing runnable")}
    assert platform.explain_exit(3, t) == "exit status 3 (IPCLAB_EXIT_KERNEL_FAULT: a kernel fault)"
    assert platform.explain_exit(9, t) == "exit status 9"


@pytest.mark.parametrize("text, why", [
    ("int x;", "no `enum ipclab_exit"),
    ("enum ipclab_exit { IPCLAB_EXIT_OK = 0, IPCLAB_EXIT_X = 1 };", "cannot read"),
    ("enum ipclab_exit {\n IPCLAB_EXIT_OK = 0,\n IPCLAB_EXIT_X = 0,\n};", "repeats"),
    ("enum ipclab_exit {\n IPCLAB_EXIT_OK = FOO,\n};", "cannot read"),
    ("enum ipclab_exit {\n};", "no entries"),
])
def test_exit_enum_parser_refuses_what_it_cannot_read(text, why):
    with pytest.raises(ValueError, match=why):
        platform.parse_exit_enum(text)


def test_the_real_abi_header():
    with open(os.path.join(ROOT, platform.ABI_HEADER)) as f:
        text = f.read()
    t = platform.parse_exit_enum(text)
    names = {v: n for v, (n, _) in t.items()}
    assert names[0] == "IPCLAB_EXIT_OK"
    assert (names[2], names[3], names[4]) == ("IPCLAB_EXIT_PANIC", "IPCLAB_EXIT_KERNEL_FAULT",
                                              "IPCLAB_EXIT_DEADLOCK")
    assert all(c for _, c in t.values()), "every status has its comment"
    assert platform.Platform("virt", "exact").exits == t


def test_a_sweep_boots_what_qemu_json_says_and_records_it(tmp_path, fake_env):
    """End to end on virt without --runner: the 'emulator' named in qemu.json is
    a wrapper that hands the -append words to the fake target."""
    import stat
    from bench.tests.helpers import FAKE, bench, results_dirs, write_sweep
    wrapper = tmp_path / "fake-qemu"
    wrapper.write_text("#!/bin/sh\n# the last argument is the -append text\n"
                       f'for last; do :; done\nexec /usr/bin/python3 {FAKE} $last\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    qj = dict(QJ, qemu=str(wrapper))
    d = image_dir(tmp_path, qemu_json=qj)
    img = str(d / "ipclab.elf")
    path = write_sweep(tmp_path, 'name = "q"\nplatform = "virt"\n[[run]]\nworkload = "echo"\n')
    r = bench("run", path, "--image", img, "--results", str(tmp_path / "res"), "--cache-dir",
              str(tmp_path / "cache"), "--no-analysis", env=fake_env)
    assert r.returncode == 0, r.stderr
    [res] = results_dirs(str(tmp_path / "res"))
    meta = json.load(open(os.path.join(res, "meta.json")))
    assert meta["runs"]["ok"] == 1
    assert meta["qemu"]["qemu_json"] == qj
    assert meta["command"] == [str(wrapper), "-board-opt", "board", "-m", "64M", "-count", "one",
                               "-kernel", img, "-append", "<words>"]
    assert meta["compiler"]["compiler"] == "cross-gcc" and meta["build_notes"] == []


def test_the_linux_runners_exit_enum_is_its_one_definition():
    t = platform.exit_statuses(ROOT, "runner")
    assert {v: n for v, (n, _) in t.items()} == {0: "RT_EXIT_OK", 1: "RT_EXIT_RUN_FAILED",
                                                2: "RT_EXIT_BAD_WORDS"}
    assert all(c for _, c in t.values()), "every status has its comment"
    for name in ("linux", "linux-virt"):
        p = platform.Platform(name, "timed")
        assert p.explain_exit(2).startswith("exit status 2 (RT_EXIT_BAD_WORDS: ")
    # the runner's sources end with the enum's names, never a bare number
    import re
    for src in ("main.c", "rt_pair.c", "rt_wl.c"):
        with open(os.path.join(ROOT, "workloads", "linux", src)) as f:
            text = f.read()
        assert not re.search(r"\b_?exit\(\s*[0-9]+\s*\)", text), src
    with open(os.path.join(ROOT, "workloads", "linux", "main.c")) as f:
        body = f.read().split("int main(", 1)[1]
    assert not re.search(r"\breturn\s+[0-9]+\s*;", body), "main() returns a bare status"


def test_a_second_enum_name_and_prefix():
    text = "enum rt_exit {\n RT_EXIT_OK = 0, /* ok */\n RT_EXIT_BAD = 2, /* bad */\n};"
    assert platform.parse_exit_enum(text, "rt_exit", "RT_EXIT_") == {
        0: ("RT_EXIT_OK", "ok"), 2: ("RT_EXIT_BAD", "bad")}
    with pytest.raises(ValueError, match="no `enum ipclab_exit"):
        platform.parse_exit_enum(text)


def test_meta_records_paths_inside_the_tree_relative_to_it(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    d = image_dir(tree)
    p = platform.Platform("virt", "exact", image=str(d / "ipclab.elf"), root=str(tree))
    desc = p.describe()
    assert desc["command"][desc["command"].index("-kernel") + 1] == os.path.join("img", "ipclab.elf")
    assert str(tree) not in " ".join(desc["command"]) + desc["qemu"]["command_line"]
    # what runs is the absolute path (a run starts in the tree either way)
    assert p.command(["w=1"])[p.command(["w=1"]).index("-kernel") + 1] == str(d / "ipclab.elf")
