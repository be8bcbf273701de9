"""The report page: its content, that it stands alone, and that Chromium renders it."""

import gzip
import os
import re
import shutil
import subprocess

import matplotlib.image
import numpy as np
import pytest

from analysis.report import make_report

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1200,1600"]


@pytest.fixture
def report(small_made):
    return small_made[2]


def screenshot(page, tmp_path):
    """A 1200x1600 screenshot of a local page by headless Chromium, as an RGB array."""
    exe = shutil.which("chromium")
    assert exe, "chromium is not installed: `make deps` installs it (Debian package chromium)"
    png = tmp_path / "shot.png"
    env = dict(os.environ, HOME=str(tmp_path))
    # A hung browser must not hang the suite: the timeout turns it into a failure.
    r = subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                        f"--screenshot={png}", page.resolve().as_uri()],
                       capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert png.exists(), f"chromium wrote no screenshot (exit {r.returncode}): {r.stderr[-2000:]}"
    return matplotlib.image.imread(png)[..., :3]


def distinct_colours(img):
    rgb = (img * 255).astype(np.uint32)
    return len(np.unique(rgb[..., 0] << 16 | rgb[..., 1] << 8 | rgb[..., 2]))


def test_report_content(report):
    d = report.parent
    assert report == d / "report.html"
    page = report.read_text()
    # metadata, failed runs with reasons, tables, every figure embedded
    assert "0123456789ab" in page and "synthetic fixture" in page
    assert "Failed runs (2)" in page
    assert "timeout: no DONE line after 60 s" in page and "mq_open: Function not implemented" in page
    assert page.count("<figure") == 7
    assert page.count('src="data:image/png;base64,') == 7
    assert "Summary (44 configurations)" in page
    assert "instructions (QEMU icount)" in page
    # it stands alone: nothing fetched from a server, local links resolve
    assert not re.search(r'(src|href)="(https?:)?//', page)
    for link in re.findall(r'href="([^"#]+)"', page):
        assert (d / link).exists(), link
    assert (d / "summary.csv").exists() and (d / "plots" / "index.json").exists()


def test_report_renders_in_chromium(report, tmp_path):
    img = screenshot(report, tmp_path)
    assert img.shape[:2] == (1600, 1200)
    # A blank page is one colour; the report has text, tables and plots in many.
    assert distinct_colours(img) > 500
    # Content reaches well down the page (the figures render, not just a heading).
    lower = img[800:]
    assert (lower.min(axis=2) < 0.5).mean() > 0.005


def test_blank_page_fails_the_check(tmp_path):
    # The non-blank check above can fail: an empty page gives (nearly) one colour.
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    assert distinct_colours(screenshot(blank, tmp_path)) < 10


def test_report_of_a_run_where_everything_failed(fixture_dir):
    d = fixture_dir("hand")
    with open(d / "runs.csv") as f:
        lines = f.read().splitlines()
    rows = [lines[0]] + [line.replace(",ok,,", ",failed,kernel panic: data abort at 0x0,") for line in lines[1:]]
    (d / "runs.csv").write_text("\n".join(rows) + "\n")
    (d / "samples.csv.gz").write_bytes(gzip.compress(
        b"run_id,workload,metric,params,rep,platform,counter,unit,mode,per,overhead,i,value\n"))
    page = make_report(d).read_text()
    assert "Failed runs (7)" in page
    assert "kernel panic: data abort at 0x0" in page
    assert "<figure" not in page and "no samples" in page
    assert "No samples: every run failed" in (d / "summary.md").read_text()
