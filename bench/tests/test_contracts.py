"""mk/check-contracts.sh (make test-contracts) finds a second copy of the QEMU
command line in each shape one could take, and passes the tree as it is.

Each case puts one file into a small git repository holding the owners of the
contracts (mk/qemu.mk, mk/toolchain.mk) and runs the check there."""

import os
import shutil
import subprocess

import pytest

from .helpers import ROOT

OWNERS = ("mk/qemu.mk", "mk/toolchain.mk", "mk/check-contracts.sh")


def _repo(tmp_path, files):
    for rel in OWNERS:
        os.makedirs(tmp_path / os.path.dirname(rel), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, rel), tmp_path / rel)
    for rel, text in files.items():
        os.makedirs(tmp_path / os.path.dirname(rel), exist_ok=True)
        (tmp_path / rel).write_text(text)
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(git + ["init", "-q"], check=True, timeout=60)
    subprocess.run(git + ["add", "-A"], check=True, timeout=60)
    return subprocess.run([str(tmp_path / "mk/check-contracts.sh")], capture_output=True,
                          text=True, timeout=60)


def test_the_tree_has_one_definition_of_each_contract():
    r = subprocess.run([os.path.join(ROOT, "mk/check-contracts.sh")], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stdout


def test_the_owners_alone_pass(tmp_path):
    r = _repo(tmp_path, {})
    assert r.returncode == 0, r.stdout


COPIES = {
    "python argv, single quotes": ("bench/x.py",
        "argv = ['qemu-system-' + 'aarch64', '-machine', 'virt', '-cpu', 'cortex-a53']\n"),
    "python argv, -M": ("bench/x.py", 'argv = [q, "-M", "virt", "-m", "128M"]\n'),
    "python, the exact mode": ("analysis/x.py", "opts = ['-icount', 'shift=0,align=off']\n"),
    "python, several CPUs": ("bench/x.py", "argv += ['-smp', str(n)]\n"),
    "python, entered at EL2": ("bench/x.py", 'props = ",virtualization=on"\n'),
    "make recipe from the variables": ("kernel/x.mk",
        "x:\n\t$(QEMU) -machine virt -cpu max $(QEMU_EXACT) -kernel k\n"),
    "make recipe from the machine variable": ("ipc/x.mk",
        "x:\n\tqemu -M virt $(QEMU_MACHINE) -kernel k\n"),
    "shell": ("mk/x.sh", "qemu-system-aarch64 -M virt -nodefaults -serial stdio\n"),
    "C string": ("workloads/x.c", 'static const char *argv[] = {"-icount", "shift=0"};\n'),
    "cross prefix": ("ipc/x.mk", "CC = aarch64-linux-gnu-gcc\n"),
    "task flags": ("workloads/x.mk", "CFLAGS += -mstrict-align\n"),
    "sanitizer flags": ("ipc/x.mk", "CFLAGS += -fsanitize=thread\n"),
}


@pytest.mark.parametrize("case", sorted(COPIES))
def test_a_second_copy_is_found(tmp_path, case):
    rel, text = COPIES[case]
    r = _repo(tmp_path, {rel: text})
    assert r.returncode != 0, f"{case}: not found\n{r.stdout}"
    assert f"    {rel}:" in r.stdout, r.stdout


def test_a_comment_may_name_an_option(tmp_path):
    r = _repo(tmp_path, {"kernel/x.c": "/* QEMU's -smp 2 and -icount shift=0 */\n",
                         "bench/x.py": "# booted with -M virt, -smp 4\n"})
    assert r.returncode == 0, r.stdout
