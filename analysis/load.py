"""Load ipclab results directories into one tidy DataFrame.

The format is bench/FORMAT.md's; its names (files, columns, schema
version, the params syntax, run_id) are bench/schema.py's, imported here.

One row per sample. Columns: the sample columns of samples.csv.gz (run_id,
workload, metric, params, rep, platform, counter, unit, mode, per, overhead,
i, value), ``cost`` (value / per: the cost of one operation; equal to value
when per is 1), ``results`` (the directory's name, so several directories can
share one frame) and one column per workload parameter (``params`` expanded;
a parameter whose key collides with a column above is named ``param_<key>``).

Every check names the file and the line it failed on: a malformed or partial
directory raises ResultsError, never a pandas traceback.
"""

import argparse
import csv
import io
import json
import re
import zlib
from collections import namedtuple
from pathlib import Path

import numpy as np
import pandas as pd

from bench import schema

# Columns of the tidy frame besides the parameters: a parameter may not shadow one.
FRAME_COLUMNS = set(schema.SAMPLE_COLUMNS) | {"results", "cost"}

_INT = re.compile(r"-?[0-9]+")

Results = namedtuple("Results", "path samples runs meta")


class ResultsError(ValueError):
    """A results directory that breaks the FORMAT.md contract.

    ``path`` is the offending file, ``line`` its 1-based line (None when the
    problem is the file as a whole).
    """

    def __init__(self, path, line, message):
        self.path = Path(path)
        self.line = line
        where = f"{self.path}:{line}" if line else f"{self.path}"
        super().__init__(f"{where}: {message}")


# --- raw file readers ------------------------------------------------------

def _gunzip_text(path):
    """The text of a gzip file; a cut or corrupt stream raises ResultsError."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ResultsError(path, None, f"cannot read: {e.strerror}") from None
    out = []
    data = raw
    while data:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out.append(d.decompress(data))
        except zlib.error as e:
            done = b"".join(out).count(b"\n")
            raise ResultsError(path, done + 1 if out else None,
                               f"not a valid gzip stream ({e})") from None
        if not d.eof:
            text = b"".join(out)
            done = text.count(b"\n")
            raise ResultsError(path, done + 1,
                               f"file is cut short: the gzip stream ends inside it "
                               f"(last complete line is {done}); partial results directory?")
        data = d.unused_data
    text = b"".join(out)
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ResultsError(path, text[:e.start].count(b"\n") + 1,
                           "not UTF-8 text") from None


def _read_csv(path, text, required):
    """Rows of a CSV text as (header, rows, line numbers); checks the header and field counts."""
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = next(reader)
    except StopIteration:
        raise ResultsError(path, 1, "empty file: no header line") from None
    except csv.Error as e:
        raise ResultsError(path, 1, f"bad CSV: {e}") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise ResultsError(path, 1, f"header lacks column(s) {', '.join(missing)} "
                                    f"(has: {', '.join(header)})")
    rows, lines = [], []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise ResultsError(path, start, f"bad CSV: {e}") from None
        if not row:
            raise ResultsError(path, start, "empty line")
        if len(row) != len(header):
            raise ResultsError(path, start, f"{len(row)} fields, the header has {len(header)}")
        rows.append(row)
        lines.append(start)
    return header, rows, np.asarray(lines, dtype=np.int64)


def _check(path, lines, bad, message):
    """Raise for the first row where the boolean Series ``bad`` holds."""
    bad = np.asarray(bad, dtype=bool)
    if bad.any():
        first = int(np.argmax(bad))
        raise ResultsError(path, int(lines[first]), message(first))


def _int_column(path, frame, lines, col, minimum=None):
    s = frame[col]
    ok = s.str.fullmatch(_INT.pattern).fillna(False).to_numpy()
    _check(path, lines, ~ok, lambda k: f"{col} is {s.iloc[k]!r}, not an integer")
    # Integers are int64 (schema.SAMPLE_MIN..SAMPLE_MAX); a longer one would overflow.
    big = s[s.str.lstrip("-").str.len() >= 19]
    for k in np.flatnonzero(s.index.isin(big.index)):
        if not schema.SAMPLE_MIN <= int(s.iloc[k]) <= schema.SAMPLE_MAX:
            raise ResultsError(path, int(lines[k]), f"{col} is {s.iloc[k]}, outside the 64-bit "
                                                    f"range of a sample")
    values = s.astype(np.int64)
    if minimum is not None:
        _check(path, lines, values < minimum,
               lambda k: f"{col} is {values.iloc[k]}, must be at least {minimum}")
    return values


def param_column(key):
    """The DataFrame column that holds parameter ``key``."""
    return f"param_{key}" if key in FRAME_COLUMNS else key


# --- the three files ---------------------------------------------------------

def read_meta(directory):
    """meta.json as a dict."""
    path = Path(directory) / schema.META
    if not path.is_file():
        raise ResultsError(path, None, "missing: not a complete results directory")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ResultsError(path, e.lineno, f"invalid JSON: {e.msg} (column {e.colno})") from None
    except UnicodeDecodeError:
        raise ResultsError(path, None, "not UTF-8 text") from None
    if not isinstance(meta, dict):
        raise ResultsError(path, 1, "must hold a JSON object")
    if "schema" not in meta:
        raise ResultsError(path, None, "no \"schema\" key: not a results directory's meta.json")
    if meta["schema"] != schema.SCHEMA_VERSION:
        raise ResultsError(path, None, f"schema {meta['schema']!r}; this analysis reads "
                                       f"schema {schema.SCHEMA_VERSION}")
    return meta


def read_runs(directory):
    """runs.csv as a DataFrame (one row per run, plus ``line``, its line in the file)."""
    path = Path(directory) / schema.RUNS
    if not path.is_file():
        raise ResultsError(path, None, "missing: not a complete results directory")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ResultsError(path, None, "not UTF-8 text") from None
    header, rows, lines = _read_csv(path, text, schema.RUN_COLUMNS)
    runs = pd.DataFrame(rows, columns=header, dtype=object)
    runs["line"] = lines
    if runs.empty:
        runs["rep"] = runs["rep"].astype(np.int64)
        return runs
    runs["rep"] = _int_column(path, runs, lines, "rep", minimum=0)
    _check(path, lines, runs["run_id"] == "", lambda k: "empty run_id")
    _check(path, lines, runs["run_id"].duplicated(),
           lambda k: f"run_id {runs['run_id'].iloc[k]!r} appears twice")
    _check(path, lines, ~runs["status"].isin(schema.RUN_STATUSES),
           lambda k: f"status is {runs['status'].iloc[k]!r}, must be one of "
                     f"{', '.join(schema.RUN_STATUSES)}")
    for k, (run_id, workload, rep, p) in enumerate(zip(runs["run_id"], runs["workload"],
                                                       runs["rep"], runs["params"])):
        line = int(lines[k])
        try:
            _, id_workload, id_rep = schema.parse_run_id(run_id)
        except ValueError as e:
            raise ResultsError(path, line, str(e)) from None
        if (id_workload, id_rep) != (workload, rep):
            raise ResultsError(path, line, f"run_id {run_id!r} names workload {id_workload} rep "
                                           f"{id_rep}; the row says workload {workload} rep {rep}")
        try:
            schema.parse_params(p)
        except ValueError as e:
            raise ResultsError(path, line, f"params: {e}") from None
    return runs


_MINIMUM = {"rep": 0, "per": 1, "i": 0}


def _samples_fast(text):
    """samples.csv parsed by pandas' C parser, or None when the file is not plainly regular.

    Only a file whose every line has the header's field count, with no quoting,
    takes this path; anything else goes to the careful parser, which names the
    line at fault.
    """
    if '"' in text:
        return None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        return None
    header = lines[0].split(",")
    if any(c not in header for c in schema.SAMPLE_COLUMNS):
        return None
    width = len(header) - 1
    if any(line.count(",") != width for line in lines):
        return None
    try:
        df = pd.read_csv(io.StringIO(text), dtype={**{c: str for c in header},
                                                   **{c: np.int64 for c in schema.SAMPLE_INT_COLUMNS}},
                         keep_default_na=False, na_filter=False, engine="c")
    except (ValueError, OverflowError, pd.errors.ParserError):
        return None
    if len(df) != len(lines) - 1:
        return None
    # pandas reads an integer past int64 as uint64 whatever dtype was asked for.
    if any(df[c].dtype != np.int64 for c in schema.SAMPLE_INT_COLUMNS):
        return None
    return df, np.arange(2, len(df) + 2, dtype=np.int64)


def _samples_careful(path, text):
    """samples.csv parsed line by line; raises ResultsError naming the first bad line."""
    header, rows, lines = _read_csv(path, text, schema.SAMPLE_COLUMNS)
    df = pd.DataFrame(rows, columns=header, dtype=object)
    if len(df):
        for col in schema.SAMPLE_INT_COLUMNS:
            df[col] = _int_column(path, df, lines, col)
    return df, lines


def read_samples(directory, runs=None):
    """samples.csv.gz as the tidy DataFrame described at the top of this module."""
    directory = Path(directory)
    path = directory / schema.SAMPLES
    if not path.is_file():
        raise ResultsError(path, None, "missing: not a complete results directory")
    text = _gunzip_text(path)
    fast = _samples_fast(text)
    df, lines = fast if fast is not None else _samples_careful(path, text)
    if df.empty:
        df = df[schema.SAMPLE_COLUMNS].astype({c: np.int64 for c in schema.SAMPLE_INT_COLUMNS})
        df["cost"] = df["value"].astype(float)
        df.insert(0, "results", directory.name)
        return df

    for col in ("run_id", "workload", "metric", "platform", "counter", "unit", "mode"):
        _check(path, lines, df[col] == "", lambda k, col=col: f"empty {col}")
    for col, minimum in _MINIMUM.items():
        values = df[col]
        _check(path, lines, values < minimum,
               lambda k, col=col, values=values, minimum=minimum:
               f"{col} is {values.iloc[k]}, must be at least {minimum}")

    # Parameters: parse each distinct string once, report the first line using a bad one.
    parsed = {}
    for p in pd.unique(df["params"]):
        try:
            parsed[p] = schema.parse_params(p)
        except ValueError as e:
            k = int(np.argmax((df["params"] == p).to_numpy()))
            raise ResultsError(path, int(lines[k]), f"params: {e}") from None

    if runs is not None:
        known = dict(zip(runs["run_id"], zip(runs["status"], runs["line"])))
        ids = df["run_id"]
        _check(path, lines, ~ids.isin(known.keys()),
               lambda k: f"run_id {ids.iloc[k]!r} is not in runs.csv")
        failed = {r for r, (status, _) in known.items() if status != "ok"}
        _check(path, lines, ids.isin(failed),
               lambda k: f"samples of run {ids.iloc[k]!r}, which runs.csv line "
                         f"{known[ids.iloc[k]][1]} marks failed")

    df["cost"] = df["value"] / df["per"]
    keys = sorted({k for d in parsed.values() for k in d})
    for key in keys:
        values = {p: d.get(key) for p, d in parsed.items()}
        # A parameter is numeric when every value it takes is a number.
        try:
            values = {p: np.nan if v is None else float(v) for p, v in values.items()}
        except ValueError:
            pass
        df[param_column(key)] = df["params"].map(values)
    df.insert(0, "results", directory.name)
    return df


# --- public entry points -----------------------------------------------------

def load_dir(directory):
    """One results directory, checked: Results(path, samples, runs, meta)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ResultsError(directory, None, "not a directory")
    meta = read_meta(directory)
    runs = read_runs(directory)
    samples = read_samples(directory, runs)
    return Results(directory, samples, runs, meta)


def as_results(results):
    """A load.Results as it is, or a results directory's path loaded with load_dir.

    The entry points (summary, plots, report) take either, so a caller that
    has loaded a directory once passes the Results on and nothing is read twice.
    """
    if isinstance(results, Results):
        return results
    return load_dir(results)


def load_results(paths):
    """One or several results directories -> one tidy DataFrame (one row per sample)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = list(paths)
    if not paths:
        raise ValueError("load_results: no results directory given")
    frames = [load_dir(p).samples for p in paths]
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames, ignore_index=True, sort=False)


def param_keys(df):
    """The parameter columns of a frame loaded by this module, in order."""
    return [c for c in df.columns if c not in FRAME_COLUMNS]


def latest_results_dir(root="results"):
    """The newest results directory under ``root``, by name.

    Only directories with a meta.json count; hidden ones (the harness stages
    a run in one) never do. Time-stamped names (<YYYYMMDD-HHMMSS>-...) win
    over others, so a committed results/reference/ is not taken for the
    newest run.
    """
    root = Path(root)
    # Hidden names (schema.STAGE_PREFIX, schema.PARTIAL_PREFIX) are never results.
    dirs = sorted(p.parent for p in root.glob(f"*/{schema.META}") if not p.parent.name.startswith("."))
    if not dirs:
        raise ResultsError(root, None, "no results directory here (none has a meta.json); "
                                       "run `make bench` or pass RESULTS=dir")
    stamped = [d for d in dirs if schema.STAMPED_NAME.match(d.name)]
    return (stamped or dirs)[-1]


def results_dir_cli(doc, argv, action):
    """The command line shared by summary, plots and report: one optional
    results directory (default the newest), ``action(dir)`` run on it, a
    ResultsError turned into a one-line error exit.  Returns what action
    returned, with the directory."""
    ap = argparse.ArgumentParser(description=doc,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", nargs="?", type=Path,
                    help="results directory (default: the newest under results/)")
    args = ap.parse_args(argv)
    try:
        d = args.results or latest_results_dir()
        return d, action(d)
    except ResultsError as e:
        raise SystemExit(f"error: {e}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="*", type=Path,
                    help="results directories (default: the newest under results/)")
    args = ap.parse_args(argv)
    try:
        df = load_results(args.dirs or [latest_results_dir()])
    except ResultsError as e:
        raise SystemExit(f"error: {e}")
    print(f"{len(df)} samples, {df.groupby(schema.CONFIG_KEY).ngroups if len(df) else 0} configurations")
    print(df.head(10).to_string())


if __name__ == "__main__":
    main()
