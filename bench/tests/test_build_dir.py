"""The build directory has one definition: make's BUILD, exported to everything
make starts as IPCLAB_BUILD, from which bench/platform.py derives every build
path; and under make a skipped test is a failure (conftest.py at the top)."""

import os
import subprocess
import sys

from .helpers import ROOT, bench


def _py(code, **env):
    e = dict(os.environ)
    e.pop("IPCLAB_BUILD", None)
    e.update(env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=e,
                          capture_output=True, text=True, timeout=60)


def test_make_exports_its_build_directory():
    r = subprocess.run(["make", "-s", "--no-print-directory", "-C", ROOT,
                        "--eval", "show-build: ; @echo $$IPCLAB_BUILD", "show-build",
                        "BUILD=build-elsewhere"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "build-elsewhere"


def test_every_build_path_of_the_harness_follows_it():
    code = ("from bench import platform, plugin, cli; "
            "print(platform.KERNEL_IMAGE, platform.LINUX_RUNNER, platform.LINUX_VIRT_JSON, "
            "plugin.PLUGIN_SO, cli.DEFAULT_CACHE)")
    r = _py(code, IPCLAB_BUILD="build-elsewhere")
    assert r.returncode == 0, r.stderr
    paths = r.stdout.split()
    assert len(paths) == 5
    for p in paths:
        rel = os.path.relpath(p, ROOT) if os.path.isabs(p) else p
        assert rel.split(os.sep)[0] == "build-elsewhere", p
    r = _py(code)
    assert r.returncode == 0, r.stderr
    assert all((os.path.relpath(p, ROOT) if os.path.isabs(p) else p).split(os.sep)[0] == "build"
               for p in r.stdout.split())


def test_the_harness_looks_for_the_image_in_that_build(tmp_path):
    sweep = tmp_path / "s.toml"
    sweep.write_text('name = "b"\nplatform = "virt"\n[[run]]\nworkload = "null_syscall"\n')
    r = bench("run", str(sweep), "--no-build", "--results", str(tmp_path / "r"),
              env={"IPCLAB_BUILD": "build-elsewhere"})
    assert r.returncode != 0
    assert os.path.join(ROOT, "build-elsewhere", "kernel", "ipclab.elf") in r.stderr


def _pytest(tmp_dir, body, **env):
    (tmp_dir / "test_one.py").write_text(body)
    e = dict(os.environ)
    e.pop("IPCLAB_BUILD", None)
    e.update(env)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(tmp_dir)], cwd=ROOT, env=e, capture_output=True, text=True,
                          timeout=120)


def test_under_make_a_skip_is_a_failure():
    # The probe lives inside the tree, so that the tree's conftest.py applies to it.
    d = __import__("pathlib").Path(ROOT, os.environ.get("IPCLAB_BUILD") or "build",
                                   "conftest-probe")
    d.mkdir(parents=True, exist_ok=True)
    for body in ('import pytest\ndef test_a():\n    pytest.skip("no image")\n',
                 'import pytest\npytest.skip("no image", allow_module_level=True)\n'):
        by_hand = _pytest(d, body)     # 5: no test ran (the module skipped)
        assert by_hand.returncode in (0, 5) and "1 skipped" in by_hand.stdout, by_hand.stdout
        made = _pytest(d, body, IPCLAB_BUILD="build")
        assert made.returncode != 0, made.stdout
        assert "skipped under make" in made.stdout and "no image" in made.stdout, made.stdout
