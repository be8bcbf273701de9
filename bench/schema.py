"""The results directory and the stream's shared names: the one definition.

bench/ (which writes results directories) and analysis/ (which reads them)
both import this module, so a file name, a column or the `params` syntax
cannot drift between them.  bench/FORMAT.md is the prose of the same
contract.  Standard library only: analysis imports it without bench's
other modules, and it must stay importable anywhere Python runs.

The C side cannot import Python: workloads/common/stream.c keeps its own
copy of RESERVED_KEYS and workloads/common/params.c of COMMON_PARAMS, and
bench/tests/test_schema.py compares each pair.
"""

import re

# --- versions ------------------------------------------------------------

# Version of the results directory layout (meta.json "schema").  Bump it, and
# teach analysis/load.py, when a file or column changes meaning.
SCHEMA_VERSION = 1

# The result stream (bench/FORMAT.md): every stream line begins STREAM_PREFIX.
STREAM_VERSION = 2
STREAM_PREFIX = f"IPCLAB v{STREAM_VERSION} "
SAMPLE_PREFIX = "S "
# Longest stream line the parser reads (a BEGIN holds at most ~1 KiB of kv).
STREAM_MAX_LINE = 4096

# --- files of a results directory ----------------------------------------

META = "meta.json"
SWEEP = "sweep.toml"
RUNS = "runs.csv"
INFO = "info.csv"
SAMPLES = "samples.csv.gz"
SUMMARY = "summary.csv"
SUMMARY_MD = "summary.md"
CAPTURES = "captures"
PLOTS = "plots"
PLOTS_INDEX = "index.json"   # in plots/: the figures drawn (title, caption, files) and those skipped
REPORT = "report.html"
EXPORTS = "exports"          # LaTeX tables and JSON exports (analysis/exports.py)
SIDE_BY_SIDE = "side-by-side.md"   # a linux-virt directory's table beside the kernel (bench/sidebyside.py)

# Hidden names under a results root that are never results: a sweep in
# progress, and a directory being assembled before its atomic rename.
PARTIAL_PREFIX = ".partial-"
STAGE_PREFIX = ".stage-"

# A results directory is named <YYYYMMDD-HHMMSS>-<sweep name>[-<n>].
STAMP_FORMAT = "%Y%m%d-%H%M%S"
STAMPED_NAME = re.compile(r"[0-9]{8}-[0-9]{6}-")


def dir_name(stamp, name, n=1):
    """The name of a results directory; n > 1 when the first name is taken."""
    return f"{stamp}-{name}" if n == 1 else f"{stamp}-{name}-{n}"


def capture_path(run_id):
    """A run's capture, relative to the results directory."""
    return f"{CAPTURES}/{run_id}.log.gz"


# --- columns ---------------------------------------------------------------

RUN_COLUMNS = ["run_id", "workload", "params", "rep", "platform", "mode", "status", "reason",
               "attempts", "capture"]
INFO_COLUMNS = ["run_id", "key", "value"]
SAMPLE_COLUMNS = ["run_id", "workload", "metric", "params", "rep", "platform", "counter",
                  "unit", "mode", "per", "overhead", "i", "value"]
# Columns of samples.csv.gz that hold integers (value within int64).
SAMPLE_INT_COLUMNS = ("rep", "per", "overhead", "i", "value")
# One configuration: what a summary.csv row is about.
CONFIG_KEY = ["workload", "metric", "params", "platform", "counter", "unit", "mode"]
STAT_COLUMNS = ["reps", "n", "min", "p50", "mean", "p90", "p99", "p999", "max",
                "stddev", "p50_ci_lo", "p50_ci_hi", "rep_p50_min", "rep_p50_max"]
SUMMARY_COLUMNS = CONFIG_KEY + STAT_COLUMNS

RUN_STATUSES = ("ok", "failed")

# --- the stream's keys -------------------------------------------------------

# Keys of a BEGIN line that are not workload parameters; no workload may
# take a parameter of these names (both the C writer and the parser refuse).
RESERVED_KEYS = ("workload", "metric", "unit", "counter", "mode", "platform", "overhead", "per",
                 "samples")
# Parameters every workload takes (wl_common_params[], workloads/common/params.c):
# how long and how seeded a run was, not what it measured.
COMMON_PARAMS = ("iterations", "warmup", "seed")
# Reserved keys every BEGIN must carry (overhead defaults to 0, per to 1).
REQUIRED_KEYS = ("workload", "metric", "unit", "counter", "mode", "platform", "samples")

# What each platform and mode can measure: unit -> the counters that give it.
# A frame with another unit or counter fails its run (exact-mode figures are
# instructions, never cycles: icount ticks once per instruction).
UNITS = {
    ("virt", "exact"): {"instructions": ("pmccntr",)},
    ("virt", "timed"): {"cycles": ("pmccntr",)},
    ("linux", "timed"): {"ns": ("tsc", "cntvct", "clock_gettime")},
    # Linux under the same QEMU: the guest clock (CNTVCT, or clock_gettime
    # over it) advances 1 ns per instruction in exact mode (mk/qemu.mk), so in
    # exact mode its ns are instructions (resolution 16: one CNTVCT tick).
    ("linux-virt", "exact"): {"instructions": ("cntvct", "clock_gettime")},
    ("linux-virt", "timed"): {"ns": ("cntvct", "clock_gettime")},
}

# Platforms whose exact mode is deterministic to the instruction: every boot
# of the same image and words gives the same samples, byte for byte (the
# kernel's tests and bench/expected check it; linux-virt's tests check it
# for Debian's Linux: linux-virt/README.md, "Determinism"), so "identical"
# and "the difference is real" may be said of two such sample sets.
# meta.json's "deterministic" says which applies.
DETERMINISTIC = ("virt", "linux-virt")

# Sample values are int64 (C's int64_t, numpy's int64 in analysis).
SAMPLE_MIN, SAMPLE_MAX = -(1 << 63), (1 << 63) - 1

# A key (stream key, parameter name): lowercase, digits, '_', a letter first.
KEY = re.compile(r"[a-z][a-z0-9_]*\Z")

# --- the canonical params string -------------------------------------------


def _check_value(key, value):
    if value == "" or any(c in value for c in " \t\r\n;"):
        raise ValueError(f"parameter {key!r}: value {value!r} must be non-empty, "
                         f"without spaces or ';'")


def canonical_params(params):
    """{key: value} -> `key=value` joined by `;`, sorted by key (FORMAT.md).

    Raises ValueError for a key that is not a KEY or a value that would not
    read back (empty, or holding a space or ';').
    """
    for k, v in params.items():
        if not isinstance(k, str) or not KEY.match(k):
            raise ValueError(f"bad parameter name {k!r}")
        _check_value(k, str(v))
    return ";".join(f"{k}={params[k]}" for k in sorted(params))


def parse_params(text):
    """The inverse of canonical_params: `"a=1;b=x"` -> {"a": "1", "b": "x"}.

    "" is no parameters.  Raises ValueError naming the bad word (not
    key=value, a bad key, an empty value, a key twice).  Order is not
    checked: any order reads, canonical_params writes sorted.
    """
    out = {}
    if text == "":
        return out
    for word in text.split(";"):
        key, sep, value = word.partition("=")
        if not sep or not KEY.match(key):
            raise ValueError(f"bad parameter {word!r} (want key=value)")
        _check_value(key, value)
        if key in out:
            raise ValueError(f"parameter {key!r} given twice")
        out[key] = value
    return out


# --- run ids ---------------------------------------------------------------

RUN_ID = re.compile(r"(0|[1-9][0-9]*)-([A-Za-z0-9_.+-]+)-r(0|[1-9][0-9]*)\Z")


def run_id(config, workload, rep):
    """`<config index>-<workload>-r<rep>`: unique within a results directory."""
    return f"{config}-{workload}-r{rep}"


def parse_run_id(text):
    """(config, workload, rep) of a run_id; ValueError when it is not one."""
    m = RUN_ID.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a run_id (<config>-<workload>-r<rep>)")
    return int(m.group(1)), m.group(2), int(m.group(3))


# --- the QEMU plugin (plugin/README.md) --------------------------------------
#
# A run with the plugin loaded keeps its output in PLUGIN_DIR/<run_id>.txt of
# the results directory, beside the samples it describes.  `make profile`
# adds, from it, a profile by symbol (PROFILE_CSV, PROFILE_MD) and rows of
# footprint and modelled cache misses to summary.csv: metric
# "<metric>.<suffix>" (PLUGIN_METRICS), counter PLUGIN_COUNTER, the unit
# below, one value per run of the operation's path (n).  They are counts of
# what the plugin saw and of a model, never measured cycles.
PLUGIN_DIR = "plugin"
PLUGIN_COUNTER = "plugin"
PROFILE_CSV = "profile.csv"
# One row per configuration, metric and symbol: the instructions of one
# operation spent in that symbol (space: kernel or user).
PROFILE_COLUMNS = ("workload", "params", "metric", "symbol", "space", "instructions")
PROFILE_MD = "profile.md"
COVERAGE_CSV = "coverage.csv"
# One row per kernel source file: its lines, those the suite executed, and
# the ranges never reached.
COVERAGE_COLUMNS = ("file", "lines", "executed", "percent", "never_reached")
PLUGIN_METRICS = {
    "i_lines": "lines",             # distinct 64-byte instruction lines fetched
    "d_lines": "lines",             # distinct 64-byte data lines loaded or stored
    "l1i_misses_cold": "misses",    # the A53 model, caches flushed before the operation
    "l1d_misses_cold": "misses",
    "l2_misses_cold": "misses",
    "l1i_misses_hot": "misses",     # the A53 model, caches as the run left them
    "l1d_misses_hot": "misses",
    "l2_misses_hot": "misses",
}
PLUGIN_UNITS = ("lines", "misses")


def plugin_path(run_id):
    """A run's plugin output, relative to the results directory."""
    return f"{PLUGIN_DIR}/{run_id}.txt"
