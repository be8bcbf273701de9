"""Loading results directories: the tidy frame, and errors that name the file and the line."""

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.load import ResultsError, latest_results_dir, load_dir, load_results
from bench import schema

KEY = schema.CONFIG_KEY

REPO = Path(__file__).resolve().parents[2]


def test_tidy_frame_one_row_per_sample(fixture_dir):
    d = fixture_dir("small")
    df = load_results(d)
    with gzip.open(d / "samples.csv.gz", "rt") as f:
        assert len(df) == sum(1 for _ in f) - 1
    for col in ["run_id", "workload", "metric", "params", "rep", "platform", "counter", "unit",
                "mode", "per", "overhead", "i", "value", "cost", "results"]:
        assert col in df.columns
    # params expanded into typed columns
    bulk = df[df["workload"] == "bulk"]
    assert sorted(bulk["size"].unique()) == [8, 64, 512, 4096, 65536]
    assert set(bulk["mech"]) == {"ring", "ep"}
    assert df[df["workload"] == "null_syscall"]["size"].isna().all()
    # cost is value / per
    rt = df[df["workload"] == "ring_throughput"]
    assert (rt["per"] == rt["batch"]).all()
    assert ((rt["cost"] * rt["per"]) == rt["value"]).all()
    assert set(df["platform"]) == {"virt", "linux"}
    assert set(df.loc[df["platform"] == "linux", "unit"]) == {"ns"}


def test_several_directories_at_once(fixture_dir):
    a, b = fixture_dir("small"), fixture_dir("hand")
    df = load_results([a, b])
    assert set(df["results"]) == {"small", "hand"}
    assert len(df) == len(load_results(a)) + len(load_results(b))
    assert df.groupby(KEY + ["results"]).ngroups == (load_results(a).groupby(KEY).ngroups
                                                     + load_results(b).groupby(KEY).ngroups)


def test_failed_runs_are_in_runs_not_samples(fixture_dir):
    res = load_dir(fixture_dir("hand"))
    failed = res.runs[res.runs["status"] == "failed"]
    assert list(failed["run_id"]) == ["3-mpsc-r0"]
    assert "message 17 lost" in failed["reason"].iloc[0]
    assert "3-mpsc-r0" not in set(res.samples["run_id"])


def rewrite_samples(d, edit):
    """Apply edit(list of lines) to samples.csv.gz."""
    p = d / "samples.csv.gz"
    lines = gzip.decompress(p.read_bytes()).decode().splitlines(keepends=True)
    p.write_bytes(gzip.compress("".join(edit(lines)).encode()))


def set_line(n, text):
    def edit(lines):
        lines[n - 1] = text
        return lines
    return edit


def field(lines, n, col, value):
    cells = lines[n - 1].rstrip("\n").split(",")
    cells[col] = value
    return ",".join(cells) + "\n"


BROKEN = {
    # name: (how to break the hand fixture, file, line, words the message must hold)
    "value not an integer": (
        lambda d: rewrite_samples(d, lambda L: L[:3] + [field(L, 4, 12, "3.5")] + L[4:]),
        "samples.csv.gz", 4, "value"),
    "value beyond int64": (
        lambda d: rewrite_samples(d, lambda L: L[:4] + [field(L, 5, 12, str(1 << 63))] + L[5:]),
        "samples.csv.gz", 5, "64-bit"),
    "too many fields": (
        lambda d: rewrite_samples(d, lambda L: L[:5] + [L[5].rstrip("\n") + ",7\n"] + L[6:]),
        "samples.csv.gz", 6, "fields"),
    "per zero": (
        lambda d: rewrite_samples(d, lambda L: L[:6] + [field(L, 7, 9, "0")] + L[7:]),
        "samples.csv.gz", 7, "per"),
    "header lacks a column": (
        lambda d: rewrite_samples(d, lambda L: [L[0].replace(",value", ",val")] + L[1:]),
        "samples.csv.gz", 1, "value"),
    "bad params": (
        lambda d: rewrite_samples(d, lambda L: L[:2] + [field(L, 3, 3, "iterations")] + L[3:]),
        "samples.csv.gz", 3, "params"),
    "unknown run": (
        lambda d: rewrite_samples(d, lambda L: L[:7] + [field(L, 8, 0, "9-ghost-r0")] + L[8:]),
        "samples.csv.gz", 8, "9-ghost-r0"),
    "samples of a failed run": (
        lambda d: rewrite_samples(d, lambda L: L[:9] + [field(L, 10, 0, "3-mpsc-r0")] + L[10:]),
        "samples.csv.gz", 10, "failed"),
    "gzip cut short": (
        lambda d: (d / "samples.csv.gz").write_bytes((d / "samples.csv.gz").read_bytes()[:-30]),
        "samples.csv.gz", None, "cut short"),
    "not gzip": (
        lambda d: (d / "samples.csv.gz").write_text("run_id,workload\n"),
        "samples.csv.gz", None, "gzip"),
    "samples missing": (
        lambda d: (d / "samples.csv.gz").unlink(), "samples.csv.gz", None, "missing"),
    "runs missing": (lambda d: (d / "runs.csv").unlink(), "runs.csv", None, "missing"),
    "meta missing": (lambda d: (d / "meta.json").unlink(), "meta.json", None, "missing"),
    "meta bad JSON": (
        lambda d: (d / "meta.json").write_text('{\n  "schema": 1,\n  "git": {,\n}\n'),
        "meta.json", 3, "JSON"),
    "meta other schema": (
        lambda d: (d / "meta.json").write_text(f'{{"schema": {schema.SCHEMA_VERSION + 1}}}\n'),
        "meta.json", None, "schema"),
    "meta without schema": (
        lambda d: (d / "meta.json").write_text('{"name": "hand"}\n'), "meta.json", None, "schema"),
    "runs bad run_id": (
        lambda d: (d / "runs.csv").write_text(
            (d / "runs.csv").read_text().replace("1-ring_throughput-r0,", "ring_throughput-0,", 1)),
        "runs.csv", 4, "not a run_id"),
    "runs run_id of another rep": (
        lambda d: (d / "runs.csv").write_text(
            (d / "runs.csv").read_text().replace("0-null_syscall-r1,", "0-null_syscall-r7,", 1)),
        "runs.csv", 3, "rep 7"),
    "runs bad status": (
        lambda d: (d / "runs.csv").write_text(
            (d / "runs.csv").read_text().replace(",virt,exact,ok,", ",virt,exact,maybe,", 1)),
        "runs.csv", 2, "status"),
    "runs bad rep": (
        lambda d: (d / "runs.csv").write_text(
            (d / "runs.csv").read_text().replace(";warmup=10,1,virt", ";warmup=10,one,virt", 1)),
        "runs.csv", 3, "rep"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_directory_names_file_and_line(fixture_dir, name):
    breaker, fname, line, words = BROKEN[name]
    d = fixture_dir("hand")
    breaker(d)
    with pytest.raises(ResultsError) as err:
        load_dir(d)
    e = err.value
    assert e.path.name == fname
    msg = str(e)
    assert str(d / fname) in msg
    if line is not None:
        assert e.line == line
        assert f"{fname}:{line}:" in msg
    assert words.lower() in msg.lower()


def test_cut_gzip_reports_last_complete_line(fixture_dir):
    d = fixture_dir("small")
    p = d / "samples.csv.gz"
    text = gzip.decompress(p.read_bytes())
    data = gzip.compress(text)
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(ResultsError) as err:
        load_dir(d)
    # The line named is the first one not complete in what survives.
    assert 1 < err.value.line < text.count(b"\n")
    assert f"last complete line is {err.value.line - 1}" in str(err.value)


def test_command_line_reports_error_without_traceback(fixture_dir):
    d = fixture_dir("hand")
    rewrite_samples(d, lambda L: L[:3] + [field(L, 4, 12, "x")] + L[4:])
    r = subprocess.run([sys.executable, "-m", "analysis.summary", str(d)], cwd=REPO,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode != 0
    assert "samples.csv.gz:4: value is 'x'" in r.stderr
    assert "Traceback" not in r.stderr


def test_latest_results_dir_is_newest_by_name(tmp_path):
    for name in ("20260101-000000-a", "20261124-093000-b", "20250601-120000-c"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "meta.json").write_text("{}")
    for name in ("reference", ".stage-20271231-000000-x"):  # committed run; harness staging
        (tmp_path / name).mkdir()
        (tmp_path / name / "meta.json").write_text("{}")
    (tmp_path / "compare-x-vs-y").mkdir()  # no meta.json: not a results directory
    assert latest_results_dir(tmp_path).name == "20261124-093000-b"
    (tmp_path / "20261124-093000-b" / "meta.json").unlink()
    assert latest_results_dir(tmp_path).name == "20260101-000000-a"
    with pytest.raises(ResultsError):
        latest_results_dir(tmp_path / "compare-x-vs-y")
