"""Publishing is atomic: no results directory is visible under the results root
before it is whole, a publish that fails at any step leaves nothing but the
work directory, and the staging directory never stays behind."""

import os
import shutil
import subprocess

import pytest

from bench import execute, platform, registry, results, schema, stream, sweep
from bench.tests.helpers import FAKE, write_sweep

SWEEP = """
name = "atomic"
platform = "virt"
repetitions = 2
timeout = 10

[[run]]
workload = "echo"
params = { words = [0, 8], iterations = 5 }

[[run]]
workload = "error"
repetitions = 1
"""


@pytest.fixture
def work(tmp_path):
    """A work directory whose runs have all finished (run in-process)."""
    sw = sweep.load(write_sweep(tmp_path, SWEEP))
    reg = registry.parse_registry(stream.parse(subprocess.run(
        [FAKE, "workload=list"], capture_output=True, timeout=60).stdout))
    runs = sweep.expand(sw, reg)
    root = str(tmp_path / "results")
    plat = platform.Platform("virt", "exact", runner=FAKE)
    sha = plat.image_sha256()
    state = {"stamp": "20000101-000000", "name": sw.name, "sweep_sha256": sw.sha256,
             "image_sha256": sha, "platform": "virt", "mode": "exact", "runner": FAKE}
    w = results.create(root, sw, state, runs)
    sup = execute.Supervisor()
    for r in runs:
        execute.execute(plat, r, w, sup, sha, results.host_info())
    return root, w, state, runs


def visible(root):
    return sorted(n for n in os.listdir(root) if not n.startswith("."))


class Watch:
    """Wraps every file-system step publish takes; before each, checks (and
    records) what the results root shows, and can make the k-th step fail."""
    STEPS = [(os, "rename"), (os, "replace"), (os, "link"), (os, "makedirs"),
             (shutil, "copy2"), (execute, "write_atomic")]

    def __init__(self, monkeypatch, root, fail_at=None):
        self.root, self.fail_at, self.n, self.seen = root, fail_at, 0, []
        for mod, name in self.STEPS:
            monkeypatch.setattr(mod, name, self.wrap(getattr(mod, name), name))

    def wrap(self, fn, name):
        def step(*a, **kw):
            self.n += 1
            self.seen.append((name, visible(self.root)))
            if self.n == self.fail_at:
                raise OSError(f"planted failure at step {self.n} ({name})")
            return fn(*a, **kw)
        return step


def test_nothing_is_visible_before_the_rename(work, monkeypatch):
    root, w, state, runs = work
    watch = Watch(monkeypatch, root)
    final, meta = results.publish(w, root, state, runs, analysis=False)
    assert watch.n > 10
    # before every step, the root shows no results directory at all ...
    assert all(names == [] for _, names in watch.seen), watch.seen
    # ... and the last step is the one rename that makes it appear, whole
    assert watch.seen[-1][0] == "rename"
    assert visible(root) == [os.path.basename(final)]
    assert sorted(os.listdir(final)) == sorted([schema.CAPTURES, schema.INFO, schema.META,
                                                schema.RUNS, schema.SAMPLES, schema.SWEEP])
    assert [n for n in os.listdir(root) if n.startswith(schema.STAGE_PREFIX)] == []


def test_a_publish_failing_at_any_step_leaves_only_the_work(work, monkeypatch):
    root, w, state, runs = work
    with monkeypatch.context() as m:
        steps = Watch(m, root)
        final, _ = results.publish(w, root, state, runs, analysis=False)
    shutil.rmtree(final)
    assert steps.n > 10
    failed = 0
    for k in range(1, steps.n + 1):
        with monkeypatch.context() as m:
            Watch(m, root, fail_at=k)
            try:
                final, _ = results.publish(w, root, state, runs, analysis=False)
            except OSError as e:
                assert f"planted failure at step {k}" in str(e)
                failed += 1
            else:
                # a step with a fallback (a hard link falls back to a copy):
                # then the directory is whole
                assert len(os.listdir(final)) == 6, (k, os.listdir(final))
                shutil.rmtree(final)
        assert os.listdir(root) == [os.path.basename(w)], f"step {k} left {os.listdir(root)}"
    assert failed >= steps.n - 5
    # and the work is intact: publishing now succeeds
    final, meta = results.publish(w, root, state, runs, analysis=False)
    assert meta["runs"] == {"total": 5, "ok": 4, "failed": 1}
