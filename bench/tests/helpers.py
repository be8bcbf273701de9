"""Shared helpers of the harness tests: the fake platform and a way to call the harness."""

import gzip
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FAKE = os.path.join(HERE, "fake_runner.py")
sys.path.insert(0, ROOT)


def bench(*args, env=None, cwd=ROOT):
    """Run `python -m bench ARGS` in a child; returns the CompletedProcess."""
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=cwd, env=e,
                          capture_output=True, text=True, timeout=300)


def read_csv(path):
    import csv
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", newline="") as f:
        return list(csv.DictReader(f))


def results_dirs(root):
    """Published results directories (hidden work directories left out)."""
    if not os.path.isdir(root):
        return []
    return sorted(os.path.join(root, d) for d in os.listdir(root) if not d.startswith("."))


def fake_starts(env):
    """The word lists the fake runner was started with, one string each."""
    try:
        with open(env["FAKE_LOG"]) as f:
            return [ln.rstrip("\n") for ln in f]
    except FileNotFoundError:
        return []


def write_sweep(tmp_path, text, name="sweep.toml"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)
