"""Exports: LaTeX tables that compile, Bencher Metric Format and sel4bench-shaped rows that
validate against their documented shapes and read back to the summary's numbers."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from analysis import compare, exports
from analysis.compare import write_compare
from analysis.load import load_dir
from analysis.summary import write_summary

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def written(fixture_dir):
    d = fixture_dir("small")
    res = load_dir(d)
    table = write_summary(res)
    files = exports.write_exports(res, table)
    return d, res, table, files


def pdflatex(tmp_path, inputs, portrait=False):
    """Compile a document that \\input's each of ``inputs``; (ok, log tail).

    ``portrait``: an A4 page with 2.5 cm margins at normal size, as a paper
    sets it, and an overfull line (a table wider than the text) is a failure;
    otherwise landscape at \\tiny (the results tables: only that they compile).
    """
    exe = shutil.which("pdflatex")
    assert exe, ("pdflatex is not installed: `make deps` installs it (Debian packages "
                 "texlive-latex-base, texlive-latex-recommended)")
    body = "\n\n".join(rf"\input{{{p.as_posix()}}}\par\bigskip" for p in inputs)
    doc = tmp_path / "doc.tex"
    page = (r"\usepackage[a4paper,margin=2.5cm]{geometry}" "\n\\begin{document}\n" if portrait
            else "\\usepackage[margin=1cm,landscape]{geometry}\n\\begin{document}\n\\tiny\n")
    doc.write_text("\\documentclass{article}\n\\usepackage{booktabs,longtable}\n" + page + body
                   + "\n\\end{document}\n")
    # -halt-on-error: the first error is a failure, never a "best effort" PDF.
    r = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                        doc.name], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    ok = r.returncode == 0 and (tmp_path / "doc.pdf").exists()
    if portrait and "Overfull \\hbox" in r.stdout:
        ok = False
    return ok, r.stdout[-1500:] if ok else r.stdout[-4000:]


def test_latex_tables_compile(written, tmp_path):
    d, _, table, files = written
    tex = [f for f in files if f.suffix == ".tex"]
    # One table per workload and panel; each names its unit in the header.
    assert {f.name for f in tex} >= {"ep_call-virt-exact.tex", "pipe-linux-timed.tex"}
    assert r"\multicolumn{3}{c}{instructions (QEMU icount)}" in (d / "exports/tables/ep_call-virt-exact.tex").read_text()
    assert r"\multicolumn{3}{c}{ns}" in (d / "exports/tables/pipe-linux-timed.tex").read_text()
    # Names may hold what TeX treats specially (a parameter value may hold anything but
    # a space or ';'): they must be escaped.
    odd = table[table["workload"] == "ep_call"].head(2).copy()
    odd["metric"] = ["round_trip", "50%_of#it"]
    odd["params"] = ["kind=a_b&c;words=0", "kind=x$y^z~{w};words=1"]
    special = tmp_path / "special.tex"
    special.write_text(exports.latex_table(odd.to_dict("records")))
    assert r"a\_b\&c" in special.read_text()
    ok, log = pdflatex(tmp_path, tex + [special])
    assert ok, log


def test_a_latex_error_fails_the_compile(written, tmp_path):
    # The compile check can fail: an unescaped underscore (what tex_escape is for).
    _, _, _, files = written
    bad = tmp_path / "bad.tex"
    bad.write_text(next(f for f in files if f.name == "ep_call-virt-exact.tex").read_text()
                   .replace(r"ep\_call", "ep_call").replace(r"95\% CI", "95% CI").replace("call &", "ep_call &"))
    ok, log = pdflatex(tmp_path, [bad])
    assert not ok and "Fatal error occurred" in log


def test_latex_table_rows(written):
    d, _, table, _ = written
    text = (d / "exports/tables/ep_call-virt-exact.tex").read_text()
    body = text.split("\\midrule\n")[1].split("\\bottomrule")[0].strip().splitlines()
    # metric and words (space does not vary in the fixture), numbers in numeric order
    assert [row.split(" & ")[:2] for row in body] == [["call", "0"], ["call", "10"], ["call", "64"],
                                                     ["replyrecv", "0"], ["replyrecv", "10"],
                                                     ["replyrecv", "64"]]
    call0 = table[(table["workload"] == "ep_call") & (table["metric"] == "call")
                  & table["params"].str.contains("words=0")].iloc[0]
    assert body[0] == (f"call & 0 & {int(call0['p50'])} & {int(call0['p99'])} & "
                       f"{int(call0['p50_ci_lo'])}--{int(call0['p50_ci_hi'])} & {int(call0['n'])} \\\\")
    assert exports.tex_num(10000074) == r"10\,000\,074"
    assert exports.tex_escape("a_b&c%") == r"a\_b\&c\%"


def test_compare_table_compiles(fixture_dir, tmp_path):
    a = fixture_dir("small")
    b = tmp_path / "b"
    shutil.copytree(a, b)
    table, out = write_compare(a, b, out=tmp_path / "cmp")
    text = (out / "compare.tex").read_text()
    # nothing changed: the header and one line counting the identical configurations
    assert text.count(" \\\\\n") == 2 and f"{len(table)} more configurations" in text
    ok, log = pdflatex(tmp_path, [out / "compare.tex"], portrait=True)
    assert ok, log
    # A comparison with nothing in common still writes a table that compiles.
    _, out = write_compare(a, fixture_dir("hand"), out=tmp_path / "none")
    ok, log = pdflatex(tmp_path, [out / "compare.tex"])
    assert ok, log


def test_bencher_validates_and_reads_back(written):
    d, _, table, _ = written
    obj = json.loads((d / "exports" / exports.BENCHER).read_text())
    back = exports.read_bencher(obj)
    assert len(back) == len(table)
    for _, r in table.iterrows():
        key = tuple(r[c] for c in ("workload", "metric", "params", "platform", "counter", "unit", "mode"))
        assert back[key] == (r["p50"], r["p50_ci_lo"], r["p50_ci_hi"])
    # ns and instructions never share a measure
    measures = {m for ms in obj.values() for m in ms}
    assert "rtt [ns]" in measures and "call [instructions]" in measures


@pytest.mark.parametrize("spoil, message", [
    (lambda o, b, m: o[b][m].pop("value"), "a metric is an object with a value"),
    (lambda o, b, m: o[b][m].update(value="129"), "not a finite number"),
    (lambda o, b, m: o[b][m].update(value=o[b][m]["upper_value"] + 1), "outside"),
    (lambda o, b, m: o[b][m].update(median=1.0), "unknown key"),
    (lambda o, b, m: o.update({"no-at-sign": o.pop(b)}), "is not <workload>"),
])
def test_bencher_shape_is_checked(written, spoil, message):
    d = written[0]
    obj = json.loads((d / "exports" / exports.BENCHER).read_text())
    b = next(k for k in obj if k.startswith("ep_call:"))
    m = next(iter(obj[b]))
    spoil(obj, b, m)
    with pytest.raises(exports.ExportError, match=message):
        exports.validate_bencher(obj)


def test_sel4bench_rows_validate_and_read_back(written):
    d, res, table, _ = written
    obj = json.loads((d / "exports" / exports.SEL4BENCH).read_text())
    rows = exports.read_sel4bench(obj)
    assert obj[0]["Benchmark"] == "One way IPC microbenchmarks"
    ep = table[table["workload"] == "ep_call"]
    assert len(rows) == len(ep) == 6
    s = res.samples
    for key, row in rows.items():
        w, metric, params = key[:3]
        assert (row["Function"], row["Direction"]) == {"call": ("seL4_Call", "client->server"),
                                                       "replyrecv": ("seL4_ReplyRecv", "server->client")}[metric]
        assert row["Same vspace?"] is False                  # the fixture's space=diff
        assert row["IPC length"] == int(dict(p.split("=") for p in params.split(";"))["words"])
        x = s[(s["workload"] == w) & (s["metric"] == metric) & (s["params"] == params)]["cost"]
        summ = ep[(ep["metric"] == metric) & (ep["params"] == params)].iloc[0]
        assert row["Median"] == summ["p50"] and row["Samples"] == summ["n"] == len(x)
        assert (row["Min"], row["Max"]) == (x.min(), x.max())
        assert row["1st quantile"] == np.percentile(x, 25) and row["3rd quantile"] == np.percentile(x, 75)
        assert row["Stddev"] == pytest.approx(summ["stddev"])
        assert row["ipclab"]["unit_means"] == "instructions (QEMU icount)"


def test_sel4bench_shape_is_checked(written):
    d = written[0]
    obj = json.loads((d / "exports" / exports.SEL4BENCH).read_text())
    obj[0]["Results"][0].pop("IPC length")
    with pytest.raises(exports.ExportError, match="Results\\[0\\]: keys"):
        exports.validate_sel4bench(obj)
    obj = json.loads((d / "exports" / exports.SEL4BENCH).read_text())
    obj[0]["Results"][1]["Same vspace?"] = "no"
    with pytest.raises(exports.ExportError, match="Same vspace"):
        exports.validate_sel4bench(obj)


def test_no_ipc_rows_no_sel4bench_file(fixture_dir):
    d = fixture_dir("lvirt")     # Linux round trips only
    files = exports.write_exports(d)
    assert not (d / "exports" / exports.SEL4BENCH).exists()
    assert {f.name for f in files} >= {exports.BENCHER, "pipe-linux-virt-exact.tex"}


def test_command_line_writes_the_exports(fixture_dir):
    d = fixture_dir("hand")
    r = subprocess.run([sys.executable, "-m", "analysis.exports", str(d)], cwd=REPO,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert (d / "exports" / exports.BENCHER).exists()
    assert str(d / "exports" / "tables" / "ntfn_signal-virt-exact.tex") in r.stdout
    r = subprocess.run([sys.executable, "-m", "analysis.exports", str(d / "nowhere")], cwd=REPO,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "not a directory" in r.stderr and "Traceback" not in r.stderr


def test_a_long_comparison_fits_a_portrait_page(tmp_path):
    # 70 configurations with long names, 45 of them changed: the changed rows (a
    # longtable, it breaks across pages) and a line counting the rest, no line wider
    # than the text of an A4 page at normal size.
    from .test_compare import big_table
    table = big_table(70, changed=45)
    tex = tmp_path / "compare.tex"
    tex.write_text(compare.latex_table(table, compare.THRESHOLD))
    text = tex.read_text()
    assert "longtable" in text and "25 more configurations without a change" in text
    assert text.count(" \\\\\n") == 2 + 45 + 1   # the header, again on each page
    ok, log = pdflatex(tmp_path, [tex], portrait=True)
    assert ok, log
    # the table of before (every row, unit names in full, no wrapping) does not fit
    wide = tmp_path / "wide.tex"
    wide.write_text("\\begin{tabular}{llrrrll}\n" + "".join(
        f"ring\\_pingpong/rtt placement=cross size=56 variant=cached wake=poll{k} (virt) & "
        "instructions (QEMU icount) & 1 & 2 & 1.0000 & 0.9000--1.1000 & "
        "no significant change (+1.0\\%, CI includes 1) \\\\\n" for k in range(3))
        + "\\end{tabular}\n")
    ok, log = pdflatex(tmp_path, [wide], portrait=True)
    assert not ok and "Overfull" in log


def _key_fields(obj):
    return [tuple(r[k] for k in exports.SEL4BENCH_FIELDS) for r in obj[0]["Results"]] if obj else []


def test_sel4bench_rows_are_sel4bench_setup_only():
    # results/reference ran ep_call on one CPU, across CPUs (placement=cross) and on a
    # machine of two CPUs (cpus=2): only the one-CPU rows are sel4bench's benchmark, and
    # no two rows may share sel4bench's key fields.
    ref = REPO / "results" / "reference"
    if not (ref / "summary.csv").exists():
        pytest.skip("results/reference is not in this tree")
    from analysis.summary import read_summary
    res, summary = load_dir(ref), read_summary(ref)
    obj = exports.sel4bench_rows(res.samples, summary)
    exports.validate_sel4bench(obj)
    keys = _key_fields(obj)
    assert keys and len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    for r in obj[0]["Results"]:
        p = dict(kv.split("=") for kv in r["ipclab"]["params"].split(";") if kv)
        assert p.get("placement", "same") == "same" and p.get("cpus", "1") == "1"
    # the rows left out are in the results: without the filter they would collide
    every = summary[summary["workload"].isin(["ep_call", "ep_send"])]
    assert len(every) > len(keys)
    assert not exports.sel4bench_like({"placement": "cross"})
    assert not exports.sel4bench_like({"cpus": "2"}) and exports.sel4bench_like({})


def test_a_publishs_exports_equal_those_written_again(tmp_path):
    # make bench writes the exports from the summary it has just computed; `make tables`
    # and `make report` write them later from summary.csv.  Both must give the same bytes:
    # from the unrounded floats, a p99 of 6563.75 (results/reference-linux, pipe on one
    # CPU) printed 6563.7, and from the file 6563.8.
    src, d = REPO / "results" / "reference-linux", tmp_path / "reference-linux"
    d.mkdir()
    for name in ("meta.json", "runs.csv", "info.csv", "samples.csv.gz", "sweep.toml"):
        shutil.copy(src / name, d / name)
    res = load_dir(d)
    first = {p.relative_to(d): p.read_bytes()
             for p in exports.write_exports(res, write_summary(res))}
    shutil.rmtree(d / "exports")
    again = {p.relative_to(d): p.read_bytes() for p in exports.write_exports(res, None)}
    assert sorted(again) == sorted(first)
    assert [f for f in first if first[f] != again[f]] == []
