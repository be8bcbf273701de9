"""Write summary.csv and summary.md of a results directory (bench/FORMAT.md).

One row per configuration (workload, metric, params, platform, counter,
unit, mode): reps, n, min, p50, mean, p90, p99, p999, max, stddev, the
bootstrap 95% interval of the median (p50_ci_lo, p50_ci_hi) and the spread of
the per-repetition medians (rep_p50_min, rep_p50_max). Statistics are of
value / per: the cost of one operation. See stats.py for the methods.
"""

import math
from pathlib import Path

import pandas as pd

from bench import schema

from .load import ResultsError, as_results, results_dir_cli
from .stats import BOOT_N, summarize

NOTE = ("Statistics are per operation: value / per when a sample times a batch of "
        "`per` operations. Percentiles interpolate linearly (numpy default). "
        f"p50_ci: percentile-bootstrap 95% interval of the median ({BOOT_N} resamples, "
        "fixed seed). rep_p50_min/max: smallest and largest median of one repetition. "
        "Units are per row: never compare rows of different units.")


def fmt_num(x):
    """A number for a table: integers plainly, others to a sensible precision."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if isinstance(x, str):
        return x
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    if abs(x) >= 100:
        return f"{x:.1f}"
    return f"{x:.4g}"


def markdown_table(df):
    """A DataFrame as a GitHub-flavoured Markdown table (no extra packages)."""
    def cell(v):
        return fmt_num(v).replace("|", "\\|")
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |",
             "| " + " | ".join("---" for _ in cols) + " |"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def write_summary(results):
    """Compute the summary, write summary.csv and summary.md into the directory, return the table.

    ``results``: a results directory (path) or its load.Results, already
    loaded.  The table returned (schema.SUMMARY_COLUMNS) is what
    plots.make_plots and report.make_report take as ``summary``: summary.csv
    as read back, so the figures and exports a publish draws from it are the
    ones any later reading of the directory gives (`make tables`, `make
    report`), to the last digit, not those of the unrounded floats.
    """
    res = as_results(results)
    summarize(res.samples).to_csv(res.path / schema.SUMMARY, index=False, float_format="%.10g")
    table = read_summary(res.path)
    title = f"# Summary of {res.path.name}\n\n{NOTE}\n\n"
    body = markdown_table(table) if len(table) else "No samples: every run failed or none ran.\n"
    (res.path / schema.SUMMARY_MD).write_text(title + body, encoding="utf-8")
    return table


def read_summary(results_dir):
    """summary.csv as written by write_summary (the key columns as text, statistics as numbers)."""
    path = Path(results_dir) / schema.SUMMARY
    table = pd.read_csv(path, dtype={c: str for c in schema.CONFIG_KEY}, keep_default_na=False,
                        na_values={c: [""] for c in schema.STAT_COLUMNS})
    if list(table.columns) != schema.SUMMARY_COLUMNS:
        raise ResultsError(path, 1, f"columns {', '.join(table.columns)}; expected "
                                    f"{', '.join(schema.SUMMARY_COLUMNS)}")
    return table


def fresh(path, source):
    """Whether ``path`` exists and is no older than ``source``."""
    return path.exists() and path.stat().st_mtime >= source.stat().st_mtime


def summary_of(results):
    """The directory's summary as summary.csv holds it: read when summary.csv and
    summary.md are no older than the samples, else computed and written
    (write_summary).  What plots, exports and the report use when they are not
    given the table a publish has just computed."""
    res = as_results(results)
    d, src = res.path, res.path / schema.SAMPLES
    if fresh(d / schema.SUMMARY, src) and fresh(d / schema.SUMMARY_MD, src):
        return read_summary(d)
    return write_summary(res)


def main(argv=None):
    d, table = results_dir_cli(__doc__, argv, write_summary)
    print(f"{d}/{schema.SUMMARY}: {len(table)} configurations")


if __name__ == "__main__":
    main()
