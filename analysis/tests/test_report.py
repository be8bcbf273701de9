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
from .conftest import FIXTURES

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


# An image that cannot decode, added to the probe copy of a page: the check must count it
# as not loaded, in the same browser run (so the check is seen to fail where it should).
BROKEN_IMG = '<img alt="planted broken image" src="data:image/png;base64,AAAAAAAA">'


def images_loaded(page, tmp_path):
    """(images that loaded, images) of a page in headless Chromium, one broken image planted.

    A copy of the page gets BROKEN_IMG and a script that, once the page has
    loaded, writes the counts into the body; --dump-dom prints the DOM after
    it ran.  An image that does not decode has naturalWidth 0.
    """
    exe = shutil.which("chromium")
    assert exe, "chromium is not installed: `make deps` installs it (Debian package chromium)"
    probe = page.with_name("probe-" + page.name)
    script = ("<script>window.addEventListener('load', () => { const i = [...document.images];"
              " document.body.dataset.loaded = i.filter(x => x.complete && x.naturalWidth > 0).length"
              " + '/' + i.length; });</script>")
    probe.write_text(page.read_text().replace("</body>", BROKEN_IMG + script + "</body>"))
    env = dict(os.environ, HOME=str(tmp_path))
    r = subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile-dom'}",
                        "--virtual-time-budget=10000", "--dump-dom", probe.resolve().as_uri()],
                       capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    probe.unlink()
    m = re.search(r'data-loaded="(\d+)/(\d+)"', r.stdout)
    assert m, f"chromium printed no DOM with the counts (exit {r.returncode}): {r.stderr[-2000:]}"
    return int(m.group(1)), int(m.group(2))


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
    # the exports, written by the report and linked from it
    for link in ("exports/bencher.json", "exports/sel4bench.json",
                 "exports/tables/ep_call-virt-exact.tex", "exports/tables/pipe-linux-timed.tex"):
        assert f'href="{link}"' in page, link
    # every figure with its caption
    assert page.count("<figcaption><b>") == 7
    assert 'id="compare"' not in page       # no comparison unless asked for
    # it stands alone: nothing fetched from a server, local links resolve
    assert not re.search(r'(src|href)="(https?:)?//', page)
    for link in re.findall(r'href="([^"#]+)"', page):
        assert (d / link).exists(), link
    assert (d / "summary.csv").exists() and (d / "plots" / "index.json").exists()
    assert "side-by-side.md" not in page    # linked only where there is one


def test_report_links_the_side_by_side_table(small_made, tmp_path):
    # A linux-virt directory's side-by-side.md (bench side-by-side --write) is linked.
    d = tmp_path / "small"
    shutil.copytree(small_made[0], d)
    (d / "side-by-side.md").write_text("| operation | ipclab kernel | Linux |\n")
    page = make_report(d).read_text()
    assert 'href="side-by-side.md"' in page


def test_report_renders_in_chromium(report, tmp_path):
    img = screenshot(report, tmp_path)
    assert img.shape[:2] == (1600, 1200)
    # A blank page is one colour; the report has text, tables and plots in many.
    assert distinct_colours(img) > 500
    # Content reaches well down the page (the figures render, not just a heading).
    lower = img[800:]
    assert (lower.min(axis=2) < 0.5).mean() > 0.005


def test_report_with_a_comparison_every_image_loads(small_made, fixture_dir, tmp_path):
    # B: the session's small/ with its plots already drawn (copied with their times, so
    # they stay newer than the samples and are not drawn again); A: the fixture itself.
    a, b = fixture_dir("small"), tmp_path / "b"
    shutil.copytree(small_made[0], b)
    page_path = make_report(b, against=a)
    page = page_path.read_text()
    assert '<h2 id="compare">Comparison</h2>' in page and 'href="#compare"' in page
    # a copy: the exact rows identical, the timed ones no change, the geometric mean 1
    assert "Geometric mean of B/A over 44 configurations: 1.0000 (+0.0%)" in page
    assert "identical" in page
    for link in re.findall(r'href="([^"#]+)"', page):
        assert (b / link).exists(), link
    assert "compare-vs-small/compare.tex" in page
    # The seven figures and the comparison's load; the planted broken image does not.
    assert images_loaded(page_path, tmp_path) == (8, 9)


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


def test_not_drawn_gives_each_figures_own_reason(tmp_path):
    # latency_cdf is skipped on deterministic data, not for an absent workload: the
    # heading must not claim one reason for all.
    import pandas as pd
    from analysis import plots, report
    from analysis.load import load_results
    df = load_results([FIXTURES / "lvirt"])
    with pytest.raises(plots.SkipPlot) as e:
        plots.latency_cdf(df)
    index = {"figures": [], "skipped": [
        {"name": "latency_cdf", "title": "Latency CDF.", "reason": str(e.value)},
        {"name": "bulk_size", "title": "Bulk.", "reason": "no samples of workload bulk"}]}
    html = report.figures_html(tmp_path, index)
    assert "workloads are not in these results" not in html
    assert "deterministic" in html and "<li>Bulk: no samples of workload bulk</li>" in html
