"""The summary table `make bench` prints, read from the analysis' summary.csv.

The harness computes no statistics of its own: when summary.csv is absent
(the analysis failed) the table says so and stops.  To
keep rows short, `params` shows only the parameters that vary between the
rows of one workload (summary.csv has them all).
"""

import csv
import os

from . import schema

COLUMNS = [("workload", "workload"), ("params", "params"), ("metric", "metric"),
           ("p50", "median"), ("p99", "p99"), ("n", "n"), ("unit", "unit")]


def _num(text):
    try:
        v = float(text)
    except (TypeError, ValueError):
        return text or ""
    if v.is_integer() or abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.4g}"


def _split(params):
    return dict(p.split("=", 1) for p in params.split(";") if "=" in p)


def _natural(params):
    """Sort key: numbers as numbers (words=4 before words=16)."""
    return [(k, (0, int(v), "") if v.lstrip("-").isdigit() else (1, 0, v))
            for k, v in _split(params).items()]


def print_table(results_dir, out):
    path = os.path.join(results_dir, schema.SUMMARY)
    if not os.path.exists(path):
        print(f"(no {schema.SUMMARY}: the analysis did not write it (run without it, or it "
              f"failed: meta.json says which), so no table; the raw samples are in "
              f"{schema.SAMPLES})", file=out)
        return
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    missing = [c for c, _ in COLUMNS if rows and c not in rows[0]]
    if missing:
        print(f"(summary.csv lacks the columns {', '.join(missing)}; no table)", file=out)
        return
    if not rows:
        print("(summary.csv has no rows: no run succeeded)", file=out)
        return
    rows.sort(key=lambda r: (r["workload"], r["metric"], _natural(r["params"])))
    values = {}                      # workload -> param -> set of values
    for r in rows:
        for k, v in _split(r["params"]).items():
            values.setdefault(r["workload"], {}).setdefault(k, set()).add(v)
    cells = [[h for _, h in COLUMNS]]
    for r in rows:
        wl = values.get(r["workload"], {})
        shown = [f"{k}={v}" for k, v in _split(r["params"]).items() if len(wl[k]) > 1]
        cells.append([r["workload"], " ".join(shown) or "-", r["metric"], _num(r["p50"]),
                      _num(r["p99"]), _num(r["n"]), r["unit"]])
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    right = {3, 4, 5}
    for k, row in enumerate(cells):
        print("  ".join(c.rjust(w) if i in right else c.ljust(w)
                        for i, (c, w) in enumerate(zip(row, widths))).rstrip(), file=out)
        if k == 0:
            print("  ".join("-" * w for w in widths), file=out)
    print("(params: only those that vary within a workload; summary.csv has them all)", file=out)
