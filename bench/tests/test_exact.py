"""Exact mode is deterministic: two runs of the smoke sweep give byte-identical samples.

Needs the real kernel image (build/kernel/ipclab.elf, `make kernel`) and QEMU;
skipped, saying so, only when the image is absent, or when the image does not
offer the smoke sweep's workloads yet.
"""

import gzip
import os
import shutil

import pytest

from bench import cli, platform, sweep
from bench.tests.helpers import ROOT, bench, read_csv, results_dirs

IMAGE = os.path.join(ROOT, platform.KERNEL_IMAGE)
SMOKE = os.path.join(ROOT, "bench", "sweeps", "smoke.toml")

QEMU_JSON = os.path.join(os.path.dirname(IMAGE), platform.QEMU_JSON)


def _qemu():
    try:
        return platform.load_qemu_json(QEMU_JSON)["qemu"]
    except platform.PlatformError:
        return None


pytestmark = pytest.mark.skipif(
    not os.path.isfile(IMAGE) or _qemu() is None or shutil.which(_qemu()) is None,
    reason=f"the kernel image {platform.KERNEL_IMAGE} with its qemu.json (make kernel), "
           f"or QEMU, is absent")


def copy_image(tmp_path):
    """The image and what the build wrote beside it, copied: a rebuild in the
    tree while a test runs cannot change them."""
    d = tmp_path / "image"
    d.mkdir()
    for name in (os.path.basename(IMAGE), platform.QEMU_JSON, platform.CFLAGS_TXT):
        src = os.path.join(os.path.dirname(IMAGE), name)
        if os.path.exists(src):
            shutil.copy(src, d / name)
    return str(d / os.path.basename(IMAGE))


def test_two_exact_mode_sweeps_give_identical_samples(tmp_path):
    image = copy_image(tmp_path)
    plat = platform.Platform("virt", "exact", image=image)
    reg = cli.get_registry(plat, str(tmp_path / "cache"), plat.image_sha256())
    wanted = {e.workload for e in sweep.load(SMOKE).entries}
    if not wanted <= set(reg):
        pytest.skip(f"the kernel image does not offer {', '.join(sorted(wanted - set(reg)))} "
                    f"(smoke.toml's workloads) yet")
    dirs = []
    for k in range(2):
        root = tmp_path / f"results{k}"
        r = bench("run", SMOKE, "--image", image, "--fresh", "--no-analysis", "--results", str(root),
                  "--cache-dir", str(tmp_path / "cache"))
        assert r.returncode == 0, r.stderr
        [d] = results_dirs(str(root))
        runs = read_csv(os.path.join(d, "runs.csv"))
        bad = [(x["run_id"], x["reason"]) for x in runs if x["status"] != "ok"]
        assert not bad, bad
        dirs.append(d)
    a, b = (gzip.decompress(open(os.path.join(d, "samples.csv.gz"), "rb").read()) for d in dirs)
    assert a.count(b"\n") > 1, "no samples at all"
    assert a == b
    # and the compressed files themselves (the gzip header holds no time)
    assert open(os.path.join(dirs[0], "samples.csv.gz"), "rb").read() == \
        open(os.path.join(dirs[1], "samples.csv.gz"), "rb").read()
