"""The summary table, and how the harness uses (never replaces) the analysis package."""

import io

from bench import results, table

SUMMARY = """workload,metric,params,platform,counter,unit,mode,reps,n,min,p50,mean,p90,p99,p999,max,stddev,p50_ci_lo,p50_ci_hi,rep_p50_min,rep_p50_max
ep_call,call,iterations=100;space=same;words=0,virt,pmccntr,instructions,exact,2,200,300,312,313.5,320,331.2,340,340,4.1,311,313,312,312
ep_call,call,iterations=100;space=same;words=512,virt,pmccntr,instructions,exact,2,200,900,1024,1030,1100,1200.4,1300,1300,9.5,1020,1030,1024,1024
null_syscall,null,iterations=100,virt,pmccntr,instructions,exact,2,200,11,11,11,11,11,11,11,0,11,11,11,11
"""


def test_table_shows_median_p99_n_and_only_varying_params(tmp_path):
    (tmp_path / "summary.csv").write_text(SUMMARY)
    out = io.StringIO()
    table.print_table(str(tmp_path), out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["workload", "params", "metric", "median", "p99", "n", "unit"]
    assert lines[2].split() == ["ep_call", "words=0", "call", "312", "331", "200", "instructions"]
    assert lines[3].split() == ["ep_call", "words=512", "call", "1024", "1200", "200", "instructions"]
    assert lines[4].split() == ["null_syscall", "-", "null", "11", "11", "200", "instructions"]


def test_table_without_summary_says_so(tmp_path):
    out = io.StringIO()
    table.print_table(str(tmp_path), out)
    assert "no summary.csv" in out.getvalue()


def test_analysis_loads_once_computes_once_and_never_costs_the_results(tmp_path, monkeypatch):
    from analysis import load, plots, report, summary
    calls = []
    loaded, table = object(), object()

    def load_dir(path):
        calls.append(("load", path))
        return loaded

    def write_summary(res):
        calls.append(("summary", res))
        return table

    monkeypatch.setattr(load, "load_dir", load_dir)
    monkeypatch.setattr(summary, "write_summary", write_summary)
    monkeypatch.setattr(plots, "make_plots", lambda res, t: calls.append(("plots", res, t)))
    monkeypatch.setattr(report, "make_report", lambda res, t: calls.append(("report", res, t)))
    notes = results.analyse(str(tmp_path))
    assert notes == {"summary": "written", "plots": "written", "report": "written"}
    # one load and one summary; plots and report reuse both
    assert calls == [("load", str(tmp_path)), ("summary", loaded), ("plots", loaded, table),
                     ("report", loaded, table)]

    # a failing step is noted as failed, the caller carries on
    def broken(res, t):
        raise ValueError("bad column")
    monkeypatch.setattr(plots, "make_plots", broken)
    notes = results.analyse(str(tmp_path))
    assert notes["plots"] == "failed: ValueError: bad column" and notes["report"] == "written"

    def no_load(path):
        raise OSError("gone")
    monkeypatch.setattr(load, "load_dir", no_load)
    assert results.analyse(str(tmp_path)) == {"summary": "failed: OSError: gone"}
