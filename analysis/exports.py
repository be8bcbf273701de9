"""Exports of a results directory to the tools researchers already use, into <results>/exports/.

- ``tables/<workload>-<platform>-<mode>.tex``: LaTeX tables (booktabs), one
  per workload and panel (platform, unit, mode): a ``tabular`` that
  ``\\input``s as it is (the preamble needs ``\\usepackage{booktabs}``).
  Columns: the parameters that vary, the metric when there are several,
  median, p99 and the 95% bootstrap interval of the median, with the unit in
  the header, and n.  One file a workload keeps each table a page or less.
- ``bencher.json``: Bencher Metric Format (https://bencher.dev/docs/reference/bencher-metric-format/)
  for continuous benchmarking: ``{benchmark: {measure: {"value", "lower_value",
  "upper_value"}}}``.  Benchmark name ``<workload>:<params>@<platform>/<counter>/<mode>``
  (BENCH_NAME; params is the canonical params string), one measure per
  metric named ``<metric> [<unit>]`` (MEASURE_NAME: ns and instructions never
  share a measure); value = median, lower/upper = the bootstrap 95%
  interval of the median (summary.csv's p50, p50_ci_lo, p50_ci_hi).
- ``sel4bench.json`` (only when the results hold IPC rows: ep_call, ep_send
  on virt): rows shaped like sel4bench's ``"One way IPC microbenchmarks"``
  (its apps/sel4bench JSON output): a list of one ``{"Benchmark", "Results"}``
  object whose rows carry ``Function`` (seL4_Call, seL4_ReplyRecv,
  seL4_Send), ``Direction`` (client->server, server->client), ``Same vspace?``,
  ``IPC length`` (words), ``Min``, ``1st quantile``, ``Median``, ``3rd
  quantile``, ``Max``, ``Mean``, ``Stddev``, ``Variance``, ``Mode`` and
  ``Samples``, plus an ``ipclab`` object naming the configuration and its
  unit (sel4bench's rows are in cycles of its counter; ours say what one
  count is).  Only sel4bench's own setup is exported: one CPU, client and
  server on it (``placement=same`` and ``cpus=1``, or the parameter absent);
  rows across CPUs or on a machine of several CPUs are a different benchmark
  and are left out, so no two rows share sel4bench's key fields
  (SEL4BENCH_FIELDS).

``validate_bencher`` and ``validate_sel4bench`` check the documented
shapes; ``read_bencher`` and ``read_sel4bench`` read them back into
configuration keys and numbers (the tests round-trip them).

    /usr/bin/python3 -m analysis.exports [RESULTS_DIR]     # make tables RESULTS=dir
"""

import json
import math
import re
from pathlib import Path

import numpy as np

from bench import schema

from . import style
from .data import COMMON_PARAMS, numeric
from .load import as_results, results_dir_cli
from .summary import summary_of

EXPORTS = schema.EXPORTS
TABLES = "tables"
BENCHER = "bencher.json"
SEL4BENCH = "sel4bench.json"

SEL4BENCH_NAME = "One way IPC microbenchmarks"
SEL4BENCH_STATS = ["Min", "1st quantile", "Median", "3rd quantile", "Max", "Mean", "Stddev",
                   "Variance", "Mode", "Samples"]
SEL4BENCH_KEYS = ["Function", "Direction", "Same vspace?", "IPC length"] + SEL4BENCH_STATS + ["ipclab"]
BENCHER_KEYS = ("value", "lower_value", "upper_value")

# The ipclab configurations that are the operations sel4bench's IPC benchmark
# times: (workload, metric) -> (Function, Direction).  ep_send has no space
# parameter: its sender and receiver are two threads of the root task
# (workloads/virt/wl_kernel.c), one address space.
IPC_ROWS = {
    ("ep_call", "call"): ("seL4_Call", "client->server"),
    ("ep_call", "replyrecv"): ("seL4_ReplyRecv", "server->client"),
    ("ep_send", "send"): ("seL4_Send", "client->server"),
}
IPC_SAME_SPACE = {"ep_send": True}

_BENCH_NAME = re.compile(r"(?P<workload>[^:@/]+):(?P<params>[^@]*)@(?P<platform>[^/]+)/"
                         r"(?P<counter>[^/]+)/(?P<mode>[^/]+)\Z")
_MEASURE_NAME = re.compile(r"(?P<metric>\S+) \[(?P<unit>[^\]]+)\]\Z")


class ExportError(ValueError):
    """An export file that is not of its documented shape; the message says where."""


# --- names -------------------------------------------------------------------

def bench_name(row):
    return f"{row['workload']}:{row['params']}@{row['platform']}/{row['counter']}/{row['mode']}"


def measure_name(row):
    return f"{row['metric']} [{row['unit']}]"


def _key_of(bench, measure):
    """(workload, metric, params, platform, counter, unit, mode) from a Bencher name pair."""
    b, m = _BENCH_NAME.match(bench), _MEASURE_NAME.match(measure)
    if not b:
        raise ExportError(f"benchmark name {bench!r} is not <workload>:<params>@<platform>/<counter>/<mode>")
    if not m:
        raise ExportError(f"measure name {measure!r} is not '<metric> [<unit>]'")
    return (b["workload"], m["metric"], b["params"], b["platform"], b["counter"], m["unit"], b["mode"])


# --- LaTeX ---------------------------------------------------------------------

_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}"}


def tex_escape(text):
    return "".join(_TEX_SPECIAL.get(c, c) for c in str(text))


def tex_num(x):
    """A number for a table cell: integers grouped by thin spaces (10\\,000\\,074), others to 4 digits."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "--"
    x = float(x)
    if x.is_integer():
        s = f"{int(x):,}"
    elif abs(x) >= 100:
        s = f"{x:,.1f}"
    else:
        s = f"{x:.4g}"
    return s.replace(",", r"\,")


def _param_order(rows, keys):
    """Rows sorted by their parameters, numbers numerically (words=4 before words=10)."""
    def sort_key(r):
        p = schema.parse_params(r["params"])
        out = []
        for k in keys:
            v = p.get(k, "")
            out.append((0, float(v), "") if numeric([v]) else (1, 0.0, v))
        return (r["metric"], tuple(out))
    return sorted(rows, key=sort_key)


def latex_table(rows, caption=None):
    """One booktabs tabular of summary rows (dicts) that share platform, unit and mode."""
    units = {(r["platform"], r["unit"], r["mode"]) for r in rows}
    if len(units) != 1:
        raise ValueError(f"a table holds one unit; these rows have {sorted(units)}")
    platform, unit, mode = units.pop()
    values = {}
    for r in rows:
        for k, v in schema.parse_params(r["params"]).items():
            values.setdefault(k, set()).add(v)
    keys = [k for k in sorted(values) if k not in COMMON_PARAMS and len(values[k]) > 1]
    # Two configurations that differ only in a common parameter must still be told apart.
    if len({(r["metric"],) + tuple(schema.parse_params(r["params"]).get(k) for k in keys)
            for r in rows}) < len(rows):
        keys = [k for k in sorted(values) if len(values[k]) > 1]
    metrics = sorted({r["metric"] for r in rows})
    counters = sorted({r["counter"] for r in rows})
    lead = (["metric"] if len(metrics) > 1 else []) + keys + (["counter"] if len(counters) > 1 else [])
    if not lead:
        lead = ["metric"]
    u = tex_escape(style.unit_label(unit, platform, mode))
    cols = "l" * len(lead) + "rrrr"
    first = len(lead) + 1
    out = []
    if caption:
        out.append("% " + caption)
    out += [rf"\begin{{tabular}}{{{cols}}}", r"\toprule",
            " & ".join([""] * len(lead)) + rf" & \multicolumn{{3}}{{c}}{{{u}}} & \\",
            rf"\cmidrule(lr){{{first}-{first + 2}}}",
            " & ".join(tex_escape(c) for c in lead) + r" & median & p99 & 95\% CI of median & $n$ \\",
            r"\midrule"]
    for r in _param_order(rows, keys):
        p = schema.parse_params(r["params"])
        cells = [tex_escape(r["metric"] if c == "metric" else r["counter"] if c == "counter"
                            else p.get(c, "--")) for c in lead]
        ci = f"{tex_num(r['p50_ci_lo'])}--{tex_num(r['p50_ci_hi'])}"
        cells += [tex_num(r["p50"]), tex_num(r["p99"]), ci, tex_num(r["n"])]
        out.append(" & ".join(cells) + r" \\")
    out += [r"\bottomrule", r"\end{tabular}", ""]
    return "\n".join(out)


def latex_tables(summary, source=""):
    """{file name: tabular text}, one per workload and panel (platform, unit, mode)."""
    files = {}
    rows = summary.to_dict("records")
    groups = {}
    for r in rows:
        groups.setdefault((r["workload"], r["platform"], r["unit"], r["mode"]), []).append(r)
    units_of = {}
    for (w, p, u, m) in groups:
        units_of.setdefault((w, p, m), set()).add(u)
    for (w, p, u, m), g in sorted(groups.items()):
        name = f"{w}-{p}-{m}" + (f"-{u}" if len(units_of[(w, p, m)]) > 1 else "")
        caption = (f"{w} on {p} ({m} mode), {style.unit_label(u, p, m)}; "
                   f"from {source or 'summary.csv'} (ipclab analysis.exports)")
        files[re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".tex"] = latex_table(g, caption)
    return files


# --- Bencher Metric Format -----------------------------------------------------

def bencher(summary):
    """The BMF object of a summary table."""
    out = {}
    for r in summary.to_dict("records"):
        m = {"value": float(r["p50"])}
        if not (math.isnan(r["p50_ci_lo"]) or math.isnan(r["p50_ci_hi"])):
            m.update(lower_value=float(r["p50_ci_lo"]), upper_value=float(r["p50_ci_hi"]))
        out.setdefault(bench_name(r), {})[measure_name(r)] = m
    return out


def validate_bencher(obj):
    """Raise ExportError unless ``obj`` is BMF as documented above."""
    if not isinstance(obj, dict):
        raise ExportError("Bencher Metric Format: the top level must be an object of benchmarks")
    for bench, measures in obj.items():
        if not isinstance(measures, dict) or not measures:
            raise ExportError(f"benchmark {bench!r}: must map measure names to metrics")
        for measure, metric in measures.items():
            _key_of(bench, measure)
            if not isinstance(metric, dict) or "value" not in metric:
                raise ExportError(f"{bench} / {measure}: a metric is an object with a value")
            extra = set(metric) - set(BENCHER_KEYS)
            if extra:
                raise ExportError(f"{bench} / {measure}: unknown key(s) {sorted(extra)}")
            for k, v in metric.items():
                if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
                    raise ExportError(f"{bench} / {measure}: {k} is {v!r}, not a finite number")
            lo, hi = metric.get("lower_value", metric["value"]), metric.get("upper_value", metric["value"])
            if not lo <= metric["value"] <= hi:
                raise ExportError(f"{bench} / {measure}: value {metric['value']} outside "
                                  f"[{lo}, {hi}]")


def read_bencher(obj):
    """{config key: (value, lower, upper)} from a BMF object (validated first)."""
    validate_bencher(obj)
    return {_key_of(b, m): (v["value"], v.get("lower_value"), v.get("upper_value"))
            for b, ms in obj.items() for m, v in ms.items()}


# --- sel4bench-shaped rows -------------------------------------------------------

def _mode(x):
    vals, counts = np.unique(x, return_counts=True)
    return float(vals[np.argmax(counts)])


# sel4bench's IPC benchmark runs client and server on one core of a one-CPU
# configuration: a row measured across CPUs (placement=cross) or on a machine of
# several CPUs (cpus=2) is another benchmark, and under sel4bench's key fields
# (Function, Direction, Same vspace?, IPC length) it would collide with the
# one-CPU row.  Those rows are left out of sel4bench.json (bencher.json and the
# tables hold them); a row without the parameter is on one CPU.
SEL4BENCH_SETUP = {"placement": "same", "cpus": "1"}
SEL4BENCH_FIELDS = ["Function", "Direction", "Same vspace?", "IPC length"]


def sel4bench_like(params):
    """True when a configuration is sel4bench's setup: one CPU, client and server on it."""
    return all(str(params.get(k, v)) == v for k, v in SEL4BENCH_SETUP.items())


def sel4bench_rows(samples, summary):
    """sel4bench's IPC result rows for the configurations of IPC_ROWS (empty list when none)."""
    rows = []
    ipc = samples[[(w, m) in IPC_ROWS for w, m in zip(samples["workload"], samples["metric"])]]
    groups = ipc.groupby(schema.CONFIG_KEY).indices if len(ipc) else {}
    for r in summary.to_dict("records"):
        fn = IPC_ROWS.get((r["workload"], r["metric"]))
        if fn is None:
            continue
        p = schema.parse_params(r["params"])
        if not sel4bench_like(p):
            continue
        if "space" in p:
            same = p["space"] == "same"
        elif r["workload"] in IPC_SAME_SPACE:
            same = IPC_SAME_SPACE[r["workload"]]
        else:
            continue
        pos = groups.get(tuple(r[c] for c in schema.CONFIG_KEY))
        if pos is None:
            continue
        x = ipc["cost"].to_numpy(dtype=float)[pos]
        q1, med, q3 = np.percentile(x, [25, 50, 75])
        row = {"Function": fn[0], "Direction": fn[1], "Same vspace?": same,
               "IPC length": int(p.get("words", 0)),
               "Min": float(x.min()), "1st quantile": float(q1), "Median": float(med),
               "3rd quantile": float(q3), "Max": float(x.max()), "Mean": float(x.mean()),
               "Stddev": float(x.std(ddof=1)) if len(x) > 1 else 0.0,
               "Variance": float(x.var(ddof=1)) if len(x) > 1 else 0.0,
               "Mode": _mode(x), "Samples": int(len(x)),
               "ipclab": {c: r[c] for c in schema.CONFIG_KEY}}
        row["ipclab"]["unit_means"] = style.unit_label(r["unit"], r["platform"], r["mode"])
        rows.append(row)
    return [{"Benchmark": SEL4BENCH_NAME, "Results": rows}] if rows else []


def validate_sel4bench(obj):
    """Raise ExportError unless ``obj`` is the sel4bench-shaped list documented above."""
    if not isinstance(obj, list) or len(obj) != 1 or not isinstance(obj[0], dict):
        raise ExportError("sel4bench rows: a list of one {Benchmark, Results} object")
    top = obj[0]
    if set(top) != {"Benchmark", "Results"} or top["Benchmark"] != SEL4BENCH_NAME:
        raise ExportError(f"sel4bench rows: keys Benchmark ({SEL4BENCH_NAME!r}) and Results")
    for k, row in enumerate(top["Results"]):
        where = f"Results[{k}]"
        if not isinstance(row, dict) or set(row) != set(SEL4BENCH_KEYS):
            got = sorted(row) if isinstance(row, dict) else type(row).__name__
            raise ExportError(f"{where}: keys {got}; expected {sorted(SEL4BENCH_KEYS)}")
        if row["Function"] not in {f for f, _ in IPC_ROWS.values()}:
            raise ExportError(f"{where}: Function {row['Function']!r}")
        if row["Direction"] not in ("client->server", "server->client"):
            raise ExportError(f"{where}: Direction {row['Direction']!r}")
        if not isinstance(row["Same vspace?"], bool):
            raise ExportError(f"{where}: Same vspace? must be true or false")
        for c in ("IPC length", "Samples"):
            if not isinstance(row[c], int) or isinstance(row[c], bool) or row[c] < 0:
                raise ExportError(f"{where}: {c} must be a non-negative integer")
        for c in SEL4BENCH_STATS:
            if not isinstance(row[c], (int, float)) or not math.isfinite(row[c]):
                raise ExportError(f"{where}: {c} is {row[c]!r}, not a finite number")
        if not row["Min"] <= row["1st quantile"] <= row["Median"] <= row["3rd quantile"] <= row["Max"]:
            raise ExportError(f"{where}: Min <= 1st quantile <= Median <= 3rd quantile <= Max fails")
        if set(row["ipclab"]) != set(schema.CONFIG_KEY) | {"unit_means"}:
            raise ExportError(f"{where}: ipclab must name the configuration ({schema.CONFIG_KEY})")


def read_sel4bench(obj):
    """{config key: row} from the sel4bench-shaped list (validated first)."""
    validate_sel4bench(obj)
    return {tuple(r["ipclab"][c] for c in schema.CONFIG_KEY): r for r in obj[0]["Results"]}


# --- writing ---------------------------------------------------------------------

def _dump(path, obj):
    path.write_text(json.dumps(obj, indent=1, sort_keys=False) + "\n", encoding="utf-8")


def write_exports(results, summary=None):
    """Write <results>/exports/ (tables/*.tex, bencher.json, sel4bench.json); return the files.

    ``results``: a results directory (path) or its load.Results; ``summary``:
    its summary table (write_summary's return; None: summary.summary_of, the
    table summary.csv holds, so that exports made again equal a publish's).  An
    existing exports/ is replaced file by file; stale tables are removed.
    """
    res = as_results(results)
    if summary is None:
        summary = summary_of(res)
    out = res.path / EXPORTS
    tables = out / TABLES
    tables.mkdir(parents=True, exist_ok=True)
    written = []
    new = latex_tables(summary, source=f"{res.path.name}/summary.csv")
    for old in tables.glob("*.tex"):
        if old.name not in new:
            old.unlink()
    for name, text in new.items():
        (tables / name).write_text(text, encoding="utf-8")
        written.append(tables / name)
    _dump(out / BENCHER, bencher(summary))
    written.append(out / BENCHER)
    rows = sel4bench_rows(res.samples, summary)
    if rows:
        _dump(out / SEL4BENCH, rows)
        written.append(out / SEL4BENCH)
    elif (out / SEL4BENCH).exists():
        (out / SEL4BENCH).unlink()
    return written


def main(argv=None):
    _, files = results_dir_cli(__doc__, argv, write_exports)
    for f in files:
        print(f)


if __name__ == "__main__":
    main()
