"""Data helpers for the figures: selecting, reshaping and ordering a tidy sample frame.

The frame is load.py's (one row per sample, parameters as columns); the
statistics are the summary table's (stats.summarize, the rows of
summary.csv), never computed here, so a figure shows the medians and
intervals summary.csv holds and a publish bootstraps once.

No list of ring variants, wake protocols or other parameter values lives
here: names come from the data, in this order (``ordered_values``):

- a parameter whose values are all numbers: numerically;
- anything else (words such as ``variant`` or ``wake``, and ``metric``):
  in the order the results first show them, that is the sweep's order: the
  configuration index of each run_id (the harness numbers configurations in
  the order the sweep file lists its entries and values), then the order of
  the frames inside a run.  A variant the analysis has never heard of takes
  its place like any other.
"""

from collections import namedtuple

import numpy as np
import pandas as pd

from bench import schema

from .load import param_keys
from .stats import summarize

# One panel of a figure: never two units on one axis, and never a figure
# measured across CPUs beside one measured on one CPU (the Linux runner's
# placement parameter; absent means one CPU: the ipclab kernel runs on one).
PANEL = ["platform", "unit", "mode"]
PLACEMENT = "placement"
Panel = namedtuple("Panel", "platform unit mode placement")
# Parameters every workload takes: they say how long and how seeded a run
# was, not what was measured, so labels leave them out.
COMMON_PARAMS = schema.COMMON_PARAMS


class SkipPlot(Exception):
    """The results hold nothing this figure draws; the message says what is missing."""


# --- labels --------------------------------------------------------------------

def fmt(v):
    """A parameter value for a label: 4096 not 4096.0."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def absent(v):
    return v is None or (isinstance(v, float) and np.isnan(v))


def label(row, keys):
    """"k=v k=v" of a configuration row, for the keys it has."""
    return " ".join(f"{k}={fmt(row[k])}" for k in keys if not absent(row.get(k)))


def series_name(cols, values, bare=()):
    """"mech=ring variant=cached"; columns in ``bare`` show only their value."""
    return " ".join(fmt(v) if c in bare else f"{c}={fmt(v)}" for c, v in zip(cols, values))


def mechanism(workload, metric, metrics_of):
    """"ep_call/call" when a workload has several metrics, else just the workload."""
    return f"{workload}/{metric}" if len(metrics_of.get(workload, ())) > 1 else workload


# --- ordering --------------------------------------------------------------------

def sweep_rank(df):
    """Each row's place in sweep order, as one integer per row.

    Directories in the order they appear in the frame, then the
    configuration index of the run_id (schema.parse_run_id), then the row's
    position (samples keep the order of the frames within a run).
    """
    if df.empty:
        return pd.Series([], index=df.index, dtype=np.int64)
    config = {r: schema.parse_run_id(r)[0] for r in pd.unique(df["run_id"])}
    results = {r: k for k, r in enumerate(pd.unique(df["results"]))}
    keys = pd.DataFrame({"results": df["results"].map(results).to_numpy(),
                         "config": df["run_id"].map(config).to_numpy(),
                         "pos": np.arange(len(df))})
    order = np.lexsort((keys["pos"], keys["config"], keys["results"]))
    rank = np.empty(len(df), dtype=np.int64)
    rank[order] = np.arange(len(df))
    return pd.Series(rank, index=df.index)


def numeric(values):
    """True when every value is a number (then order is numeric)."""
    try:
        [float(v) for v in values]
    except (TypeError, ValueError):
        return False
    return True


def ordered_values(cf, col, extra=()):
    """The distinct values of ``cf[col]`` in the documented order (see the module's docstring).

    ``cf`` is a configs() table; ``extra`` are values to place too (e.g. the
    parameters of a seL4 mark): after the data's own, in the order given,
    unless all are numbers (then they sort in with the rest).
    """
    present = cf[[col, "_order"]].dropna(subset=[col]) if col in cf.columns else cf.iloc[0:0]
    first = present.groupby(col, sort=False)["_order"].min()
    values = list(first.index) + [v for v in dict.fromkeys(extra) if not absent(v)
                                  and v not in set(first.index)]
    if numeric(values):
        return sorted(values, key=float)
    seen = first.to_dict()
    return sorted(values, key=lambda v: (0, seen[v]) if v in seen else (1, values.index(v)))


# --- selecting -------------------------------------------------------------------

def need(df, workloads, columns=()):
    """The rows of ``workloads``; SkipPlot when none, or when a needed parameter is absent."""
    sub = df[df["workload"].isin(workloads)]
    if sub.empty:
        raise SkipPlot(f"no {' or '.join(workloads)} workload in the results")
    for col in columns:
        if col not in sub.columns or sub[col].isna().all():
            raise SkipPlot(f"{'/'.join(workloads)} results have no '{col}' parameter")
    return sub


def varying(df, exclude=()):
    """Parameter columns that take more than one value in ``df`` (the ones a label needs)."""
    out = []
    for col in param_keys(df):
        if col in exclude:
            continue
        vals = df[col].dropna()
        if len(vals) and vals.nunique() > 1:
            out.append(col)
    return out


def series_columns(cf, df, x, first=()):
    """The columns that split configurations into series when ``x`` is on the axis.

    ``first`` (e.g. "variant"), then the parameters that vary in ``df``
    (not ``x``, not COMMON_PARAMS).  When that still leaves two
    configurations at one place on the axis (they differ only in, say,
    ``iterations``, or in their counter), the columns that tell them apart
    are added, so that every series holds at most one configuration per
    value of ``x``.
    """
    first = [c for c in first if c in cf.columns]
    cols = first + varying(df, exclude=(x,) + tuple(first) + COMMON_PARAMS)
    spare = ([c for c in varying(df, exclude=(x,)) if c not in cols]
             + [c for c in schema.CONFIG_KEY if c != "params" and cf[c].nunique() > 1])
    for extra in [None] + spare:
        if extra is not None and extra not in cols:
            cols.append(extra)
        if not cf.duplicated(subset=cols + [x]).any():
            break
    return cols


def placement_of(df):
    """Each row's placement: the parameter's value, "same" (one CPU) where a row has none."""
    if PLACEMENT not in df.columns:
        return pd.Series("same", index=df.index)
    return df[PLACEMENT].where(df[PLACEMENT].notna(), "same").astype(str)


def panels(df, by_platform=True):
    """Panel groups in a stable order, virt first: [(Panel, rows)].

    One panel per (platform, unit, mode, placement); a row without a
    placement parameter counts as one CPU, and its panel's ``placement`` is
    None when no row of it names one.  ``by_platform=False``
    puts platforms of one unit and mode together (the cross-system figure),
    with ``platform`` None in the key.
    """
    place = placement_of(df)
    cols = [df["platform"] if by_platform else pd.Series("", index=df.index),
            df["unit"], df["mode"], place]
    frame = pd.DataFrame({"platform": cols[0].to_numpy(), "unit": cols[1].to_numpy(),
                          "mode": cols[2].to_numpy(), "placement": cols[3].to_numpy()},
                         index=df.index)
    keys = sorted(map(tuple, frame.drop_duplicates().to_numpy()),
                  key=lambda k: (k[0] != "virt", k[2] != "exact", k[0], k[1], k[3] != "same", k[3]))
    explicit = (df[PLACEMENT].notna() if PLACEMENT in df.columns
                else pd.Series(False, index=df.index)).to_numpy()
    out = []
    for k in keys:
        sel = ((frame["platform"] == k[0]) & (frame["unit"] == k[1]) & (frame["mode"] == k[2])
               & (frame["placement"] == k[3])).to_numpy()
        # placement None: no row of the panel says (the ipclab kernel runs on one CPU).
        place = k[3] if explicit[sel].any() else None
        out.append((Panel(k[0] if by_platform else None, k[1], k[2], place), df[sel]))
    return out


def samples_of(df, row):
    """The rows of ``df`` of one configuration row of configs(df)."""
    return df.iloc[row["_pos"]]


# --- reshaping -------------------------------------------------------------------

def configs(df, summary=None):
    """One row per configuration of ``df``: the key, its parameters and its statistics.

    ``median``, ``ci_lo`` and ``ci_hi`` are the summary's p50, p50_ci_lo
    and p50_ci_hi (``summary``: stats.summarize's table, or summary.csv read
    back; None computes it for ``df`` alone).  ``_pos`` holds the positions
    of the configuration's rows in ``df``, ``_order`` its place in sweep order.
    """
    key_cols = schema.CONFIG_KEY
    if summary is None:
        summary = summarize(df)
    stats = summary.set_index(key_cols)
    gb = df.groupby(key_cols, sort=True)
    positions = gb.indices
    rank = sweep_rank(df).to_numpy()
    params = param_keys(df)
    first = gb[params].first() if params else None
    rows = []
    for key in sorted(positions):
        if key not in stats.index:
            raise ValueError(f"the summary has no row for {'/'.join(map(str, key))}: "
                             f"it is not the summary of these samples (stale summary.csv?)")
        s = stats.loc[key]
        row = dict(zip(key_cols, key))
        if first is not None:
            row.update(first.loc[key].to_dict())
        row.update(median=float(s["p50"]), ci_lo=float(s["p50_ci_lo"]),
                   ci_hi=float(s["p50_ci_hi"]), _pos=positions[key],
                   _order=int(rank[positions[key]].min()))
        rows.append(row)
    return pd.DataFrame(rows)


def representatives(df, summary=None):
    """For each mechanism (workload, metric) the configuration with the lowest median.

    Returns [(legend name, configs() row)], sorted by median.
    """
    cf = configs(df, summary)
    metrics_of = df.groupby("workload")["metric"].unique().to_dict()
    chosen = []
    for (w, m), g in cf.groupby(["workload", "metric"]):
        best = g.sort_values("median", kind="stable").iloc[0]
        keys = varying(df[df["workload"] == w], exclude=COMMON_PARAMS)
        name = mechanism(w, m, metrics_of)
        extra = label(best, keys)
        chosen.append((f"{name} {extra}".strip(), best))
    chosen.sort(key=lambda c: c[1]["median"])
    return chosen


def series(cf, cols):
    """Split configurations into lines/bar series by ``cols``: [(values tuple, rows)].

    Series follow ordered_values of each column in turn.
    """
    cols = [c for c in cols if c in cf.columns]
    if not cols:
        return [((), cf)]
    by = cols if len(cols) > 1 else cols[0]
    parts = [(k if isinstance(k, tuple) else (k,), g)
             for k, g in cf.groupby(by, sort=False, dropna=False)]
    orders = [ordered_values(cf, c) for c in cols]

    def place(values):
        return tuple(o.index(v) if v in o else len(o) for o, v in zip(orders, values))
    parts.sort(key=lambda kv: place(kv[0]))
    return parts
