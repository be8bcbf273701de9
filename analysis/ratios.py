"""Ratios to a base configuration within each round of interleaved repetitions.

    /usr/bin/python3 -m analysis.ratios [RESULTS_DIR] --base SELECTOR [--of SELECTOR]
                                        [--rate] [--name NAME] [--level 0.95]
    make ratios BASE=SELECTOR [RESULTS=dir] [OF=SELECTOR] [RATE=1] [NAME=n]

RESULTS_DIR defaults to the newest results directory under results/.

Timed figures on a shared machine drift between runs (the host moves the
vCPUs, other load comes and goes), so a ratio of two medians taken minutes
apart mixes that drift into the comparison.  The harness interleaves
repetitions: bench/sweep.py's expand() orders the runs repetition-major
(every configuration's rep 0, then every configuration's rep 1, ...), so
each ``rep`` of a sweep is one *round* in which every configuration ran
once, close in time to the others.  With ``jobs = 1`` (the Linux sweeps)
the runs are strictly one after the other, so a round is one contiguous
pass; with more jobs the edges of neighbouring rounds overlap.  A retry
runs right after its failed attempt, inside its round; a sweep resumed
with ``bench run --resume`` runs what was missing later, outside its round.

For each configuration C and each round r where both C and its base B
have samples, the ratio is median(C in round r) / median(B in round r) of
the cost of one operation (value / per); ``--rate`` turns it into a ratio
of rates, median(B) / median(C): a throughput ratio, above 1 when C is
faster.  Each configuration then gets:

- ``ratio``: the median of its per-round ratios;
- ``ratio_min``, ``ratio_max``: their smallest and largest (the spread over rounds);
- ``ci_lo``, ``ci_hi``, ``ci_level``: a distribution-free interval for the
  median per-round ratio from the order statistics of the rounds
  (r_(k), r_(n+1-k)) with the largest k whose coverage
  1 - 2 P(Binomial(n, 1/2) < k) is at least ``--level``.  Fewer than 6
  rounds cannot reach 95%: then the interval is [min, max] and
  ``ci_level`` says the coverage it has (3 rounds: 0.75, 5: 0.9375).

Selectors.  A selector is ``key=value`` terms joined by commas; the key is
a column of a configuration (workload, metric, platform, counter, unit,
mode) or a parameter.  Terms with the same key are alternatives, terms
with different keys must all hold: ``workload=ring_pingpong,variant=cached,variant=stamped``.

- ``--base``: the base configurations.  The base of C is the one among them
  that agrees with C on everything that varies among the bases.  One base
  (``--base workload=cacheline``): every configuration is divided by it.
  Several (``--base variant=naive``): each configuration is divided by the
  naive one of the same workload, metric and other parameters.  A
  configuration with no such base is listed and left out.
- ``--of``: the configurations to divide (default: every one that is not a base).

A ratio is taken only between figures of one platform, unit, counter and
mode: a pairing that would divide instructions by ns (or tsc by
clock_gettime) is refused with an error naming both.

Output: a table on stdout and ``ratios.csv`` (``--name N``: ``ratios-N.csv``)
in the results directory, with the columns of RATIO_COLUMNS.
"""

import argparse
import math
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import binom

from bench import schema

from .data import COMMON_PARAMS
from .load import ResultsError, as_results, latest_results_dir
from .summary import fmt_num, markdown_table

LEVEL = 0.95
# The columns of a configuration a selector may name besides its parameters.
COLUMNS = [c for c in schema.CONFIG_KEY if c != "params"]
# What must agree between a configuration and its base.
SAME = ("platform", "unit", "counter", "mode")
RATIO_COLUMNS = (schema.CONFIG_KEY + ["base_workload", "base_metric", "base_params", "quantity",
                                      "rounds", "ratio", "ratio_min", "ratio_max",
                                      "ci_lo", "ci_hi", "ci_level"])
_NAME = re.compile(r"[A-Za-z0-9_.-]+\Z")


class RatioError(ValueError):
    """A selector that is malformed, matches nothing, or would mix units."""


# --- selectors -------------------------------------------------------------------

def parse_selector(text):
    """``"workload=a,variant=x,variant=y"`` -> {"workload": {"a"}, "variant": {"x", "y"}}."""
    terms = {}
    if not text or not text.strip():
        raise RatioError("empty selector (want key=value[,key=value...])")
    for term in text.split(","):
        key, sep, value = term.partition("=")
        if not sep or not schema.KEY.match(key) or not value:
            raise RatioError(f"selector {text!r}: bad term {term!r} (want key=value)")
        terms.setdefault(key, set()).add(value)
    return terms


def matches(attrs, selector):
    return all(attrs.get(k) in values for k, values in selector.items())


def check_keys(selector, configs, what):
    known = set(COLUMNS) | {k for c in configs for k in c["attrs"]}
    for key in selector:
        if key not in known:
            params = sorted(known - set(COLUMNS))
            raise RatioError(f"{what}: no configuration has a column or parameter {key!r} "
                             f"(columns: {', '.join(COLUMNS)}; parameters: {', '.join(params)})")


# --- per-configuration rounds --------------------------------------------------

def configurations(df):
    """[{key, attrs, rounds: {rep: median cost}}] in configuration order."""
    out = []
    if df.empty:
        return out
    medians = df.groupby(schema.CONFIG_KEY + ["rep"], sort=True)["cost"].median()
    for key, per_rep in medians.groupby(level=list(range(len(schema.CONFIG_KEY))), sort=True):
        row = dict(zip(schema.CONFIG_KEY, key))
        attrs = {c: row[c] for c in COLUMNS}
        attrs.update(schema.parse_params(row["params"]))
        out.append({"key": key, "row": row, "attrs": attrs,
                    "rounds": {int(i[-1]): float(v) for i, v in per_rep.items()}})
    return out


def name(config, shown):
    """workload/metric and the parameters in ``shown`` that it has."""
    a = config["attrs"]
    return " ".join([f"{a['workload']}/{a['metric']}"]
                    + [f"{k}={a[k]}" for k in shown.get(a["workload"], ()) if k in a])


def shown_params(configs):
    """Per workload, the parameters that distinguish its configurations (for names)."""
    seen = {}
    for c in configs:
        for k, v in c["attrs"].items():
            if k not in COLUMNS:
                seen.setdefault(c["attrs"]["workload"], {}).setdefault(k, set()).add(v)
    return {w: [k for k in sorted(p) if len(p[k]) > 1 and k not in COMMON_PARAMS]
            for w, p in seen.items()}


def order_interval(values, level=LEVEL):
    """(lo, hi, coverage): the order-statistic interval for the median of ``values``."""
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    best = 1
    for k in range(1, n // 2 + 1):
        if 1 - 2 * binom.cdf(k - 1, n, 0.5) >= level:
            best = k
        else:
            break
    coverage = max(0.0, 1 - 2 * binom.cdf(best - 1, n, 0.5))
    return float(x[best - 1]), float(x[n - best]), float(coverage)


# --- the ratios ------------------------------------------------------------------

def ratios(results, base, of=None, rate=False, level=LEVEL):
    """The ratios table (RATIO_COLUMNS) and notes on what was left out.

    ``results``: a results directory, its load.Results, or a tidy frame;
    ``base``, ``of``: selector strings (see the module's docstring).
    """
    if isinstance(results, pd.DataFrame):
        df = results
    else:
        df = as_results(results).samples
    configs = configurations(df)
    base_sel = parse_selector(base)
    of_sel = parse_selector(of) if of else None
    check_keys(base_sel, configs, f"--base {base}")
    if of_sel:
        check_keys(of_sel, configs, f"--of {of}")
    bases = [c for c in configs if matches(c["attrs"], base_sel)]
    if not bases:
        raise RatioError(f"--base {base} matches no configuration")
    base_ids = {id(c) for c in bases}
    targets = [c for c in configs if id(c) not in base_ids
               and (of_sel is None or matches(c["attrs"], of_sel))]
    if not targets:
        raise RatioError(f"--of {of} matches no configuration that is not a base" if of
                         else "every configuration is a base: nothing to divide")

    attrs = sorted({k for c in bases for k in c["attrs"]})
    free = [k for k in attrs if len({c["attrs"].get(k) for c in bases}) > 1]
    by_free = {tuple(c["attrs"].get(k) for k in free): c for c in bases}
    shown = shown_params(configs)

    rows, notes = [], []
    for c in targets:
        b = by_free.get(tuple(c["attrs"].get(k) for k in free))
        if b is None:
            want = ", ".join(f"{k}={c['attrs'].get(k, '(none)')}" for k in free)
            notes.append(f"no base for {name(c, shown)}: no base has {want}")
            continue
        mixed = [k for k in SAME if c["attrs"][k] != b["attrs"][k]]
        if mixed:
            def what(x):
                return ", ".join(f"{k} {x['attrs'][k]}" for k in mixed)
            raise RatioError(
                f"refusing to divide {name(c, shown)} ({what(c)}) by {name(b, shown)} ({what(b)}): "
                f"a ratio needs one platform, unit, counter and mode; narrow --of or --base")
        common = sorted(set(c["rounds"]) & set(b["rounds"]))
        lonely = sorted(set(c["rounds"]) ^ set(b["rounds"]))
        if lonely:
            notes.append(f"{name(c, shown)}: round(s) {', '.join(map(str, lonely))} lack "
                         f"{'the base' if set(lonely) <= set(c['rounds']) else 'this configuration'}; "
                         f"left out")
        if not common:
            notes.append(f"no round has both {name(c, shown)} and its base")
            continue
        per_round = []
        for r in common:
            num, den = (b["rounds"][r], c["rounds"][r]) if rate else (c["rounds"][r], b["rounds"][r])
            if den <= 0:
                who = name(c, shown) if rate else name(b, shown)
                raise RatioError(f"round {r}: the median of {who} is {fmt_num(den)}; no ratio")
            per_round.append(num / den)
        lo, hi, cover = order_interval(per_round, level)
        rows.append({**c["row"], "base_workload": b["attrs"]["workload"],
                     "base_metric": b["attrs"]["metric"], "base_params": b["row"]["params"],
                     "quantity": "rate" if rate else "cost", "rounds": len(per_round),
                     "ratio": float(np.median(per_round)), "ratio_min": min(per_round),
                     "ratio_max": max(per_round), "ci_lo": lo, "ci_hi": hi, "ci_level": cover})
    if not rows:
        raise RatioError("no configuration has a base to divide by: " + "; ".join(notes))
    return pd.DataFrame(rows, columns=RATIO_COLUMNS), notes


def csv_name(tag=None):
    if tag is None:
        return "ratios.csv"
    if not _NAME.match(tag):
        raise RatioError(f"--name {tag!r}: letters, digits, '_', '.', '-' only")
    return f"ratios-{tag}.csv"


def write_ratios(results, base, of=None, rate=False, level=LEVEL, tag=None):
    """ratios() written as ratios.csv (ratios-<tag>.csv) into the results directory: (table, notes, path)."""
    res = as_results(results)
    table, notes = ratios(res, base, of, rate, level)
    path = res.path / csv_name(tag)
    table.to_csv(path, index=False, float_format="%.10g")
    return table, notes, path


def show(table):
    """The table for a terminal: configuration, base, unit, rounds, ratio, spread, interval."""
    # Names show what distinguishes the configurations and bases of the table.
    rows = [(r.workload, r.params) for r in table.itertuples()]
    rows += [(r.base_workload, r.base_params) for r in table.itertuples()]
    shown = shown_params([{"attrs": {"workload": w, **schema.parse_params(p)}} for w, p in rows])

    def label(w, m, params):
        p = schema.parse_params(params)
        return " ".join([f"{w}/{m}"] + [f"{k}={p[k]}" for k in shown.get(w, ()) if k in p])

    def num(x):
        return f"{x:.4g}" if math.isfinite(x) else ""
    out = pd.DataFrame({
        "configuration": [label(r.workload, r.metric, r.params) for r in table.itertuples()],
        "base": [f"{r.base_workload}/{r.base_metric}"
                 + "".join(f" {k}={v}" for k, v in schema.parse_params(r.base_params).items()
                           if k not in COMMON_PARAMS and
                           schema.parse_params(r.params).get(k) != v)
                 for r in table.itertuples()],
        "unit": table["unit"],
        "rounds": table["rounds"],
        "ratio": [num(x) for x in table["ratio"]],
        "min..max": [f"{num(a)}..{num(b)}" for a, b in zip(table["ratio_min"], table["ratio_max"])],
        "interval": [f"[{num(a)}, {num(b)}] {c:.1%}" for a, b, c in
                     zip(table["ci_lo"], table["ci_hi"], table["ci_level"])],
    })
    return markdown_table(out)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m analysis.ratios", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", nargs="?", type=Path,
                    help="results directory (default: the newest under results/)")
    ap.add_argument("--base", required=True, metavar="SELECTOR",
                    help="the base configuration(s), e.g. workload=cacheline or variant=naive")
    ap.add_argument("--of", metavar="SELECTOR",
                    help="the configurations to divide (default: every one that is not a base)")
    ap.add_argument("--rate", action="store_true",
                    help="ratio of rates, median(base) / median(configuration): a throughput ratio")
    ap.add_argument("--name", metavar="NAME", help="write ratios-NAME.csv instead of ratios.csv")
    ap.add_argument("--level", type=float, default=LEVEL,
                    help="coverage asked of the interval (default 0.95)")
    args = ap.parse_args(argv)
    if not 0 < args.level < 1:
        raise SystemExit(f"error: --level {args.level}: must be between 0 and 1")
    try:
        args.results = args.results or latest_results_dir()
        table, notes, path = write_ratios(args.results, args.base, args.of, args.rate,
                                          args.level, args.name)
    except (ResultsError, RatioError) as e:
        raise SystemExit(f"error: {e}")
    quantity = "rate(base) / rate" if args.rate else "cost / cost(base)"
    print(f"Ratios per round ({quantity}), {args.results}: median over rounds, min..max, "
          f"order-statistic interval with its coverage")
    print(show(table), end="")
    for note in notes:
        print(f"note: {note}")
    print(f"written: {path}")


if __name__ == "__main__":
    sys.exit(main())
