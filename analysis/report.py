"""Write report.html for a results directory: one page that opens from disk, no server.

The page holds the run's metadata, the failed runs with their reasons, every
figure with its caption (PNG embedded in the page, links to the PDF beside
it), the figures that were skipped and why, the exports (LaTeX tables,
Bencher Metric Format, sel4bench-shaped rows: analysis.exports, written
here), the summary table, and, given another directory (``--against A``),
the comparison of this one against it (analysis.compare: ratios, verdicts,
the figure). summary.csv and plots/ are made first when missing or older
than samples.csv.gz, unless the caller passes the summary table it has just
computed (see make_report).

    /usr/bin/python3 -m analysis.report [RESULTS_DIR] [--against A_DIR]
"""

import argparse
import base64
import datetime
import html
import json
from pathlib import Path

import pandas as pd

from bench import schema

from . import exports, style
from .compare import summary_line, write_compare
from .load import ResultsError, as_results, latest_results_dir
from .plots import make_plots
from .summary import NOTE, fmt_num, fresh, summary_of

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto;
       max-width: 1150px; padding: 0 1em; color: #1a1a1a; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.82em; margin: 0.5em 0; }
th, td { border: 1px solid #d0d0d0; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
th { background: #eef2f7; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr:nth-child(even) td { background: #fafafa; }
.fail td { background: #fff1ec !important; }
.note { color: #555; font-size: 0.9em; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; border: 1px solid #e4e4e4; }
figcaption { font-size: 0.9em; color: #333; max-width: 60em; }
.ok { color: #006b3c; font-weight: 600; } .bad { color: #b23a00; font-weight: 600; }
.wide { overflow-x: auto; }
"""


def esc(x):
    return html.escape("" if x is None else str(x))


def table_html(df, numeric=(), row_class=None):
    """A DataFrame as an HTML table; numeric columns right-aligned and formatted."""
    out = ["<table><thead><tr>"] + [f"<th>{esc(c)}</th>" for c in df.columns] + ["</tr></thead><tbody>"]
    for _, row in df.iterrows():
        cls = f' class="{row_class(row)}"' if row_class and row_class(row) else ""
        out.append(f"<tr{cls}>")
        for c in df.columns:
            v = row[c]
            if c == "capture" and v:
                out.append(f'<td><a href="{esc(v)}">{esc(v)}</a></td>')
            elif c in numeric:
                out.append(f'<td class="num">{esc(fmt_num(v))}</td>')
            else:
                out.append(f"<td>{esc('' if isinstance(v, float) and pd.isna(v) else v)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def flatten(d, prefix=""):
    """Nested meta.json -> [(dotted key, value)]."""
    items = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            items.extend(flatten(v, key + "."))
        else:
            items.append((key, json.dumps(v) if isinstance(v, (list, bool)) or v is None else v))
    return items


def plot_index(res, summary):
    """plots/index.json, the plots drawn first when it is missing or older than the samples."""
    index = res.path / schema.PLOTS / schema.PLOTS_INDEX
    if not fresh(index, res.path / schema.SAMPLES):
        make_plots(res, summary)
    return json.loads(index.read_text(encoding="utf-8"))


def img_html(png, alt):
    """A PNG embedded in the page at 133 pixels an inch of the figure (drawn at 200).

    Figures are drawn at print size (3.3 in a column, 7 in the page); at 100
    pixels an inch a column figure would be 330 pixels, small on a screen:
    a column figure shows 440 pixels wide, a page-wide one 930, and the
    PNG's 200 dpi keep both crisp on HiDPI screens."""
    raw = png.read_bytes()
    data = base64.b64encode(raw).decode("ascii")
    width = int.from_bytes(raw[16:20], "big") * 2 // 3
    return (f'<img alt="{esc(alt)}" style="width: min(100%, {width}px)" '
            f'src="data:image/png;base64,{data}">')


def figures_html(d, index):
    out = []
    for f in index["figures"]:
        png = d / schema.PLOTS / f"{f['name']}.png"
        links = " ".join(f'<a href="plots/{esc(name)}">{esc(name)}</a>' for name in f["files"])
        out.append(f'<figure id="fig-{esc(f["name"])}">{img_html(png, f["title"])}<figcaption><b>{esc(f["title"])}</b> '
                   f'{esc(f["caption"])} <span class="note">({links})</span></figcaption></figure>')
    if index["skipped"]:
        out.append("<p>Not drawn, each for the reason given:</p><ul>")
        out += [f"<li>{esc(s['title'].rstrip('.'))}: {esc(s['reason'])}</li>" for s in index["skipped"]]
        out.append("</ul>")
    return "\n".join(out) or "<p>No figures.</p>"


def exports_html(d, files):
    """The exports' links, each with what it is for."""
    rel = [f.relative_to(d).as_posix() for f in files]
    tables = [r for r in rel if r.endswith(".tex")]
    items = []
    if tables:
        items.append("<li>LaTeX tables (booktabs; <code>\\usepackage{booktabs}</code>, then "
                     "<code>\\input{file}</code>): " + ", ".join(
                         f'<a href="{esc(t)}">{esc(Path(t).name)}</a>' for t in tables) + "</li>")
    for r in rel:
        if r.endswith(exports.BENCHER):
            items.append(f'<li><a href="{esc(r)}">{esc(r)}</a>: Bencher Metric Format (median, '
                         "lower/upper = the 95% interval of the median), for "
                         "<code>bencher run --adapter json --file ...</code></li>")
        if r.endswith(exports.SEL4BENCH):
            items.append(f'<li><a href="{esc(r)}">{esc(r)}</a>: the IPC rows shaped like sel4bench\'s '
                         "JSON (Function, Direction, Same vspace?, IPC length, quartiles, ...)</li>")
    return ("<ul>" + "".join(items) + "</ul>" if items else "<p>No exports.</p>") + \
        '<p class="note">Rewrite them for any results directory: <code>make tables RESULTS=dir</code>.</p>'


def compare_html(d, against, threshold=0.02):
    """The comparison of this directory (B) against ``against`` (A), written beside the page."""
    a = Path(against)
    table, out = write_compare(a, d, out=d / f"compare-vs-{a.resolve().name}", threshold=threshold)
    rel = out.relative_to(d).as_posix()
    links = " ".join(f'<a href="{esc(rel)}/{n}">{n}</a>' for n in
                     ("compare.md", "compare.csv", "compare.tex", "compare.pdf", "bencher.json"))
    show = pd.DataFrame({"configuration": [f"{w}/{m} {p} ({pl})" for w, m, p, pl in
                                           zip(table["workload"], table["metric"], table["params"],
                                               table["platform"])],
                         "p50 A": table["p50_a"], "p50 B": table["p50_b"], "B/A": table["ratio"],
                         "CI lo": table["ratio_ci_lo"], "CI hi": table["ratio_ci_hi"],
                         "verdict": table["verdict"]})
    return (f"<p>B = this directory, A = <code>{esc(a)}</code>. {esc(summary_line(table, threshold))}</p>"
            f'<figure id="fig-compare">{img_html(out / "compare.png", "ratio B/A per configuration")}'
            f"<figcaption><b>Ratio of medians B/A per configuration.</b> Sorted, with the bootstrap "
            f"95% interval, the line at 1 and the band of no significant change "
            f'(±{threshold:.0%}) shaded. <span class="note">({links})</span></figcaption></figure>'
            f'<div class="wide">{table_html(show, numeric=("p50 A", "p50 B", "B/A", "CI lo", "CI hi"))}</div>')


def make_report(results, summary=None, against=None):
    """Write report.html (and exports/) into the results directory; return the page's path.

    ``results``: a results directory (path) or its load.Results, already
    loaded.  ``summary``: the summary table just computed (write_summary's
    return); None reads summary.csv, or writes it when it is missing or
    older than the samples.  The plots are drawn first when plots/index.json
    is missing or older than the samples.  The exports (analysis.exports)
    are written every time: they are cheap and follow the summary.
    ``against``: another results directory (A); the page then holds the
    comparison of this one (B) against it, written to compare-vs-<A>/.
    """
    res = as_results(results)
    d = res.path
    if summary is None:
        summary = summary_of(res)
    index = plot_index(res, summary)
    export_files = exports.write_exports(res, summary)
    comparison = compare_html(d, against) if against is not None else None
    runs = res.runs
    failed = runs[runs["status"] != "ok"]
    n_ok, n_failed = int((runs["status"] == "ok").sum()), len(failed)

    meta = res.meta
    # meta.json's "git" (bench/results.py): {"commit": ..., "dirty": ...}; "?" when not recorded.
    git = meta.get("git") if isinstance(meta.get("git"), dict) else {}
    commit = git.get("commit") or "?"
    dirty = git.get("dirty")
    platforms = ", ".join(sorted(set(runs["platform"]))) or "?"
    modes = ", ".join(sorted(set(runs["mode"]))) or "?"

    # Summary with readable units; statistics columns formatted.
    show = summary.copy()
    show.insert(show.columns.get_loc("unit") + 1, "unit means",
                [style.unit_label(u, p, m) for u, p, m in zip(show["unit"], show["platform"], show["mode"])])
    stat_cols = [c for c in show.columns if c not in ("workload", "metric", "params", "platform",
                                                       "counter", "unit", "unit means", "mode")]

    per_workload = (runs.assign(ok=runs["status"] == "ok", failed=runs["status"] != "ok")
                    .groupby(["platform", "workload"])[["ok", "failed"]].sum().reset_index())

    fail_table = (table_html(failed[["run_id", "workload", "params", "rep", "platform", "mode",
                                     "attempts", "reason", "capture"]], numeric=("rep",),
                             row_class=lambda r: "fail")
                  if n_failed else "<p class='ok'>None: every run was accepted.</p>")
    status = (f"<span class='ok'>{n_ok} runs ok</span>, "
              f"<span class='{'bad' if n_failed else 'ok'}'>{n_failed} failed</span>")
    when = meta.get("finished") or datetime.datetime.fromtimestamp(
        (d / schema.SAMPLES).stat().st_mtime, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    meta_rows = pd.DataFrame(flatten(meta), columns=["key", "value"])
    side_by_side = (f', <a href="{schema.SIDE_BY_SIDE}">{schema.SIDE_BY_SIDE}</a> (the same operations '
                    "on the ipclab kernel)" if (d / schema.SIDE_BY_SIDE).is_file() else "")

    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ipclab report: {esc(d.name)}</title>
<style>{CSS}</style></head>
<body>
<h1>ipclab results: {esc(d.name)}</h1>
<p>{status} &middot; platform {esc(platforms)} &middot; mode {esc(modes)} &middot;
commit <code>{esc(str(commit)[:12])}</code>{' (dirty)' if dirty else ''} &middot; finished {esc(when)}</p>
<p class="note">QEMU figures are emulated: in exact mode one count is one retired instruction
(<em>instructions (QEMU icount)</em>), never a hardware cycle; Linux figures are in ns. Every table
row and every plot panel carries its own unit. Files: <a href="summary.csv">summary.csv</a>,
<a href="summary.md">summary.md</a>, <a href="runs.csv">runs.csv</a>, <a href="meta.json">meta.json</a>{side_by_side}.</p>
<nav><a href="#failed">Failed runs</a> &middot; <a href="#figures">Figures</a> &middot;
{'<a href="#compare">Comparison</a> &middot; ' if comparison else ''}<a href="#exports">Exports</a> &middot;
<a href="#summary">Summary</a> &middot; <a href="#runs">Runs</a> &middot; <a href="#meta">Metadata</a></nav>

<h2 id="failed">Failed runs ({n_failed})</h2>
<div class="wide">{fail_table}</div>

<h2 id="figures">Figures</h2>
{figures_html(d, index)}
{f'<h2 id="compare">Comparison</h2>{comparison}' if comparison else ''}
<h2 id="exports">Exports</h2>
{exports_html(d, export_files)}

<h2 id="summary">Summary ({len(summary)} configurations)</h2>
<p class="note">{esc(NOTE)}</p>
<div class="wide">{table_html(show, numeric=stat_cols) if len(show) else "<p>No samples.</p>"}</div>

<h2 id="runs">Runs per workload</h2>
{table_html(per_workload, numeric=("ok", "failed"), row_class=lambda r: "fail" if r["failed"] else "")}

<h2 id="meta">Metadata (meta.json)</h2>
<div class="wide">{table_html(meta_rows)}</div>
</body></html>
"""
    out = d / schema.REPORT
    out.write_text(page, encoding="utf-8")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", nargs="?", type=Path,
                    help="results directory (default: the newest under results/)")
    ap.add_argument("--against", type=Path, help="another results directory (A): the page "
                                                 "then compares this one (B) against it")
    args = ap.parse_args(argv)
    try:
        out = make_report(args.results or latest_results_dir(), against=args.against)
    except ResultsError as e:
        raise SystemExit(f"error: {e}")
    print(out)


if __name__ == "__main__":
    main()
