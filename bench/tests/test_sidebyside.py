"""bench side-by-side: the kernel's and Linux's medians on one table."""

import csv
import json
import os

import pytest

from bench import schema, sidebyside


def summary(d, platform, rows, unit="instructions", exact=("-exact-of-the-fake", "x")):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, schema.SUMMARY), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=schema.SUMMARY_COLUMNS)
        w.writeheader()
        for workload, metric, params, p50 in rows:
            w.writerow({"workload": workload, "metric": metric, "params": params,
                        "platform": platform, "counter": "c", "unit": unit, "mode": "exact",
                        "p50": p50})
    meta = {"platform": platform, "qemu": {"qemu_json": {"modes": {"exact": list(exact)}}}}
    if platform == "linux-virt":
        meta["linux_virt"] = {"kernel": {"package": "linux-image-x", "version": "1.2-3"}}
    with open(os.path.join(d, schema.META), "w") as f:
        json.dump(meta, f)
    return str(d)


VIRT = [("null_syscall", "null", "iterations=1000", 30),
        ("ep_call", "call", "space=diff;words=10", 174),
        ("ep_call", "replyrecv", "space=diff;words=10", 189),
        ("ep_call", "call", "space=same;words=10", 173),
        ("ntfn_signal", "signal", "to=high", 173)]
LV = [("null_syscall", "null", "iterations=1000", 336),
      ("pipe", "rtt", "placement=same;size=64", 17040),
      ("eventfd", "rtt", "placement=same;size=64", 12528)]


def row(text, op):
    (line,) = [ln for ln in text.splitlines() if ln.startswith("| " + op)]
    return [c.strip() for c in line.strip("|").split("|")]


def test_the_table(tmp_path):
    v = summary(tmp_path / "20260101-000000-default", "virt", VIRT)
    lv = summary(tmp_path / "20260101-000001-linux-virt", "linux-virt", LV)
    text, out = sidebyside.run(v, lv, write=True)
    assert out == os.path.join(lv, "side-by-side.md") and open(out).read() == text
    # without write, a published directory is left alone
    os.unlink(out)
    assert sidebyside.run(v, lv) == (text, None) and not os.path.exists(out)
    assert row(text, "null system call")[1:] == ["30", "336", "11.2x"]
    # a round trip on the kernel is the sum of its two one-way medians
    assert row(text, "round trip, 10 words (80 B) / 64 B: Call + ReplyRecv vs pipe")[1:] \
        == ["363", "17,040", "46.9x"]
    assert row(text, "notification round trip: 2 x Signal")[1:] == ["346", "12,528", "36.2x"]
    # absent on either side: a dash and the reason, never a number from elsewhere
    y = row(text, "yield")
    assert y[1:] == ["-", "-", "-"]
    n = int(y[0].rsplit("[", 1)[1].rstrip("]"))
    assert f"[{n}] Linux: sched_yield(2)" in text and "yield/yield not in" in text
    assert "linux-image-x 1.2-3" in text


def test_newest_directories_and_refusals(tmp_path):
    summary(tmp_path / "20260101-000000-default", "virt", VIRT)
    new = summary(tmp_path / "20260102-000000-default", "virt", VIRT)
    lv = summary(tmp_path / "20260101-000001-linux-virt", "linux-virt", LV)
    text, out = sidebyside.run(root=str(tmp_path), write=True)
    assert os.path.relpath(new) in text and out.startswith(lv)
    with pytest.raises(sidebyside.SideBySideError, match="give both"):
        sidebyside.run(new, None)
    ns = summary(tmp_path / "ns", "linux-virt", LV, unit="ns")
    with pytest.raises(sidebyside.SideBySideError, match="exact-mode instruction counts only"):
        sidebyside.run(new, ns)
    other = summary(tmp_path / "other", "linux-virt", LV, exact=("-exact-of-the-fake", "y"))
    with pytest.raises(sidebyside.SideBySideError, match="not the same machine"):
        sidebyside.run(new, other)
    with pytest.raises(sidebyside.SideBySideError, match="platform virt, expected linux-virt"):
        sidebyside.run(new, new)


FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "analysis", "tests", "fixtures")


def test_write_draws_the_cross_system_figure(tmp_path, monkeypatch):
    # --write (make bench) also draws the two directories' cross-system figure into the
    # linux-virt directory's plots/; a directory of a summary only is left without one.
    v = summary(tmp_path / "20260101-000000-default", "virt", VIRT)
    lv = summary(tmp_path / "20260101-000001-linux-virt", "linux-virt", LV)
    calls = []
    monkeypatch.setattr(sidebyside, "cross_figure", lambda a, b: calls.append((a, b)) or [])
    sidebyside.run(v, lv, write=True)
    sidebyside.run(v, lv)
    assert calls == [(v, lv)]
    monkeypatch.undo()
    assert sidebyside.cross_figure(v, lv) == []            # no samples: nothing drawn


def test_the_cross_system_figure_of_both_directories(tmp_path):
    import shutil
    v, lv = str(tmp_path / "small"), str(tmp_path / "lvirt")
    shutil.copytree(os.path.join(FIXTURES, "small"), v)
    shutil.copytree(os.path.join(FIXTURES, "lvirt"), lv)
    files = sidebyside.cross_figure(v, lv)
    names = sorted(os.path.basename(str(f)) for f in files)
    assert names == ["cross_system-together.pdf", "cross_system-together.png"]
    assert all(os.path.dirname(str(f)) == os.path.join(lv, schema.PLOTS) for f in files)
    import matplotlib.image
    png = matplotlib.image.imread(os.path.join(lv, schema.PLOTS, "cross_system-together.png"))
    assert png.shape[1] == 660            # 3.3 in at 200 dpi: one column of a paper

    # The linux-virt directory's index lists it, and its report shows it.
    def together():
        with open(os.path.join(lv, schema.PLOTS, schema.PLOTS_INDEX)) as f:
            return [e for e in json.load(f)["figures"] if e["name"] == "cross_system-together"]
    [entry] = together()
    assert entry["together"] == ["small", "lvirt"] and entry["files"] == names
    assert entry["title"] == "The same operation on each system: small and lvirt together."
    with open(os.path.join(lv, schema.REPORT)) as f:
        page = f.read()
    assert 'id="fig-cross_system-together"' in page and "small and lvirt together." in page

    # Drawing the directory's own figures again keeps the entry, and its own figures ...
    from analysis.plots import make_plots
    make_plots(lv)
    assert together() == [entry]
    with open(os.path.join(lv, schema.PLOTS, schema.PLOTS_INDEX)) as f:
        own = [e["name"] for e in json.load(f)["figures"] if "together" not in e]
    assert "cross_system" in own
    # ... but not once its files are gone; a second drawing replaces it, never doubles it.
    os.remove(os.path.join(lv, schema.PLOTS, "cross_system-together.png"))
    make_plots(lv)
    assert together() == []
    sidebyside.cross_figure(v, lv)
    sidebyside.cross_figure(v, lv)
    assert together() == [entry]
