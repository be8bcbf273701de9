"""Per-configuration statistics of a tidy sample frame (see load.py).

A configuration is one (workload, metric, params, platform, counter, unit,
mode). Statistics are of ``cost`` = value / per, the cost of one operation
(a sample that times a batch of ``per`` operations counts as per operations
of equal cost).

- percentiles use linear interpolation between order statistics (numpy's
  default, Hyndman & Fan type 7); p999 is the 99.9th percentile;
- stddev is the sample standard deviation (n - 1), empty when n is 1;
- p50_ci_lo/p50_ci_hi: percentile bootstrap 95% interval of the median of
  all samples of the configuration, BOOT_N resamples, seeded from BOOT_SEED
  and the configuration's own name, so the same data always gives the same
  interval whatever else is in the directory;
- rep_p50_min/rep_p50_max: the smallest and largest median of one
  repetition (one boot or process): the spread between repetitions, where
  the interval above is the uncertainty within them.
"""

import zlib

import numpy as np
import pandas as pd
from scipy.stats import binom

from bench import schema

BOOT_N = 2000
BOOT_SEED = 0x1BC1AB  # fixed: summaries and comparisons are deterministic
LEVEL = 0.95
_CHUNK = 4_000_000  # bootstrap elements drawn at once (memory bound)
DIRECT_MAX = 2000   # up to this many samples, resamples are drawn in full
FEW_LEVELS = 64     # up to this many distinct values, resamples are multinomial counts


def config_rng(key, salt=0):
    """A generator seeded from BOOT_SEED and a configuration's name (stable across runs)."""
    name = "|".join(str(k) for k in key)
    return np.random.default_rng([BOOT_SEED, zlib.crc32(name.encode()), salt])


def bootstrap_medians(values, rng, n_boot=BOOT_N):
    """Medians of ``n_boot`` resamples (with replacement, same size) of ``values``.

    Three ways to draw the same thing, chosen for speed:

    - small samples (n <= DIRECT_MAX): draw every resample in full;
    - few distinct values (exact-mode counts usually take one or two): draw
      each resample as a multinomial count per value;
    - otherwise: draw the rank of the resample's middle order statistic
      from its exact distribution, P(rank <= j) = P(Binomial(n, j/n) >= k),
      instead of drawing n values. For even n the two middle order
      statistics share one uniform draw (comonotone); both are exact
      marginally, and they differ by at most one gap between neighbouring
      samples, which is negligible at these sizes.
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0:
        raise ValueError("bootstrap of an empty sample")
    levels, counts = np.unique(x, return_counts=True)
    lo_rank, hi_rank = (n - 1) // 2, n // 2  # 0-based ranks whose mean is the median
    out = np.empty(n_boot)
    if n <= DIRECT_MAX:
        step = max(1, _CHUNK // n)
        for s in range(0, n_boot, step):
            m = min(step, n_boot - s)
            out[s:s + m] = np.median(x[rng.integers(0, n, size=(m, n))], axis=1)
    elif len(levels) <= FEW_LEVELS:
        p = counts / n
        cum = np.cumsum(rng.multinomial(n, p, size=n_boot), axis=1)
        out[:] = (levels[(cum > lo_rank).argmax(axis=1)] + levels[(cum > hi_rank).argmax(axis=1)]) / 2
    else:
        j = np.arange(1, n + 1) / n
        u = rng.random(n_boot)
        lo = x[np.searchsorted(binom.sf(lo_rank, n, j), u)]   # P(Bin(n, j/n) >= lo_rank + 1)
        hi = x[np.searchsorted(binom.sf(hi_rank, n, j), u)]
        out[:] = (lo + hi) / 2
    return out


def percentile_interval(draws, level=LEVEL):
    """The percentile-bootstrap interval of ``draws``."""
    a = (1 - level) / 2
    lo, hi = np.quantile(draws, [a, 1 - a])
    return float(lo), float(hi)


def median_ci(values, key=(), n_boot=BOOT_N, level=LEVEL):
    """Bootstrap interval of the median of ``values`` (deterministic for a given key)."""
    return percentile_interval(bootstrap_medians(values, config_rng(key), n_boot), level)


def rep_medians(group):
    """Median cost of each repetition in one configuration's rows."""
    return group.groupby("rep")["cost"].median()


def describe(group, key=()):
    """The schema.STAT_COLUMNS of one configuration's rows, as a dict."""
    x = group["cost"].to_numpy(dtype=float)
    n = len(x)
    p50, p90, p99, p999 = np.percentile(x, [50, 90, 99, 99.9])
    ci_lo, ci_hi = median_ci(x, key)
    reps = rep_medians(group)
    return {
        "reps": int(group["rep"].nunique()),
        "n": n,
        "min": float(x.min()),
        "p50": float(p50),
        "mean": float(x.mean()),
        "p90": float(p90),
        "p99": float(p99),
        "p999": float(p999),
        "max": float(x.max()),
        "stddev": float(x.std(ddof=1)) if n > 1 else np.nan,
        "p50_ci_lo": ci_lo,
        "p50_ci_hi": ci_hi,
        "rep_p50_min": float(reps.min()),
        "rep_p50_max": float(reps.max()),
    }


def summarize(df):
    """One row per configuration (schema.SUMMARY_COLUMNS), sorted by configuration."""
    key_cols = schema.CONFIG_KEY
    rows = []
    if len(df):
        for key, group in df.groupby(key_cols, sort=True):
            rows.append({**dict(zip(key_cols, key)), **describe(group, key)})
    out = pd.DataFrame(rows, columns=schema.SUMMARY_COLUMNS)
    return out.astype({"reps": np.int64, "n": np.int64})
