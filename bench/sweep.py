"""Sweep files: what to run, read with tomllib and checked before anything runs.

    name = "default"            # [A-Za-z0-9_.-]+, part of the results directory name
    platform = "virt"           # virt | linux | linux-virt
    mode = "exact"              # exact | timed (virt and linux-virt default exact,
                                # linux only timed)
    repetitions = 3             # boots per configuration
    timeout = 60                # seconds per run (per attempt)
    jobs = 1                    # optional: at most this many runs at once (-j overrides)
    max_runs = 50000            # optional: allow more runs than MAX_RUNS (see below)
    plugin = "profile"          # optional, virt in exact mode: every run with the QEMU
                                # plugin (plugin/README.md): profile.csv, footprint rows
    boot_group = 12             # optional, linux-virt only: at most this many runs in
                                # one boot (default 1: a boot per run, see below)

    [[run]]                     # one table per workload entry
    workload = "ep_call"
    params = { words = [0, 64, 512], space = ["same", "diff"], iterations = 500 }
    # a list is an axis of the cartesian product, a scalar is fixed;
    # optional per entry: repetitions, timeout

A sweep of more than MAX_RUNS runs (the grid's configurations times their
repetitions, counted from the file before anything is expanded) is refused
unless the file says `max_runs = N` (or the command line --max-runs N) with
N at least its size: a typo such as `repetitions = 1000000` must not
exhaust memory or run for a year.

`boot_group` trades figures for boots on linux-virt (bench/execute.py, boot
groups): a Linux boot costs about 2 s of wall time before its first run,
so several runs to a boot save time; but a run's figures then
depend on what ran before it in the same kernel (measured in
linux-virt/README.md, 'Boot groups'), so the default is one run a boot,
every figure independent of its neighbours, as on virt.

Checking happens in two steps: `load()` checks the file's own structure,
`check_against()` checks workloads and values against the image's registry.
Both raise SweepError with `<file>: <field>: <what is wrong>`.
"""

import hashlib
import itertools
import math
import re
import tomllib
from dataclasses import dataclass, field

from . import schema

TOP_KEYS = ("name", "description", "platform", "mode", "repetitions", "timeout", "jobs",
            "max_runs", "boot_group", "plugin", "run")
PLUGIN_SETTINGS = ("profile",)          # plugin = "profile": bench/plugin.py
RUN_KEYS = ("workload", "params", "repetitions", "timeout")
PLATFORMS = ("virt", "linux", "linux-virt")
EMULATED = ("virt", "linux-virt")       # under QEMU: exact mode by default
MODES = ("exact", "timed")
NOT_PARAMS = schema.RESERVED_KEYS       # keys of the stream, not parameters
MAX_RUNS = 20000                        # runs of one sweep without max_runs / --max-runs


class SweepError(ValueError):
    pass


@dataclass
class Entry:
    workload: str
    params: dict                # name -> list of values (scalars become 1-lists)
    repetitions: int
    timeout: float
    index: int                  # position in the file's run list


@dataclass
class Sweep:
    path: str
    name: str
    platform: str
    mode: str
    repetitions: int
    timeout: float
    entries: list
    text: bytes                 # the file, byte for byte
    description: str = ""
    jobs: int = None            # cap on parallel runs, None = no cap
    boot_group: int = 1         # linux-virt: most runs in one boot
    plugin: str = None          # "profile": every run with the QEMU plugin (bench/plugin.py)

    @property
    def sha256(self):
        return hashlib.sha256(self.text).hexdigest()


@dataclass
class Run:
    """One boot: one configuration, one repetition."""
    config: int                 # index of the configuration in the sweep
    workload: str
    params: dict                # every parameter of the workload, defaults filled
    rep: int
    timeout: float
    mode: str = "exact"
    run_id: str = ""
    words: list = field(default_factory=list)

    def to_json(self):
        return {"config": self.config, "workload": self.workload, "params": self.params,
                "rep": self.rep, "timeout": self.timeout, "mode": self.mode, "run_id": self.run_id,
                "words": self.words}

    @classmethod
    def from_json(cls, d):
        return cls(**d)


def _type_name(v):
    return {bool: "boolean", int: "integer", float: "float", str: "string",
            list: "list", dict: "table"}.get(type(v), type(v).__name__)


def load(path, platform=None, mode=None, max_runs=None):
    """Read and structurally check a sweep file; `platform`/`mode` override it,
    `max_runs` raises the cap on its number of runs (like the file's max_runs)."""
    try:
        with open(path, "rb") as f:
            text = f.read()
    except OSError as e:
        raise SweepError(f"{path}: cannot read: {e.strerror}") from None
    return loads(text, path, platform, mode, max_runs)


def loads(text, path="sweep.toml", platform=None, mode=None, max_runs=None):
    def fail(fieldname, msg):
        raise SweepError(f"{path}: {fieldname}: {msg}")

    try:
        doc = tomllib.loads(text.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SweepError(f"{path}: invalid TOML: {e}") from None

    for key in doc:
        if key not in TOP_KEYS:
            fail(key, f"unknown key (allowed: {', '.join(TOP_KEYS)})")
    for key in ("name", "platform", "run"):
        if key not in doc:
            fail(key, "missing")

    name = doc["name"]
    if not isinstance(name, str):
        fail("name", f"expected a string, got {_type_name(name)}")
    if not re.match(r"[A-Za-z0-9_.-]+\Z", name) or name.startswith("."):
        fail("name", f"{name!r} must be letters, digits, '_', '-' or '.' (it names a directory)")
    description = doc.get("description", "")
    if not isinstance(description, str):
        fail("description", f"expected a string, got {_type_name(description)}")

    plat = doc["platform"]
    if not isinstance(plat, str):
        fail("platform", f"expected a string, got {_type_name(plat)}")
    if plat not in PLATFORMS:
        fail("platform", f"{plat!r} is not one of {'|'.join(PLATFORMS)}")
    if platform is not None:
        plat = platform

    md = doc.get("mode", "exact" if plat in EMULATED else "timed")
    if not isinstance(md, str):
        fail("mode", f"expected a string, got {_type_name(md)}")
    if md not in MODES:
        fail("mode", f"{md!r} is not one of {'|'.join(MODES)}")
    if mode is not None:
        md = mode
    elif platform is not None and platform != doc["platform"] and "mode" not in doc:
        md = "exact" if plat in EMULATED else "timed"
    if plat == "linux" and md == "exact":
        fail("mode", "exact mode needs QEMU's icount; platform linux runs only in timed mode")

    reps = _positive_int(doc.get("repetitions", 1), "repetitions", fail)
    timeout = _positive_number(doc.get("timeout", 60), "timeout", fail)
    jobs = _positive_int(doc["jobs"], "jobs", fail) if "jobs" in doc else None
    boot_group = _positive_int(doc["boot_group"], "boot_group", fail) if "boot_group" in doc else 1
    if boot_group > 1 and plat != "linux-virt":
        fail("boot_group", f"{boot_group}: only linux-virt runs several runs in one boot "
             f"(this sweep is on {plat})")
    plugin = doc.get("plugin")
    if plugin is not None:
        if plugin not in PLUGIN_SETTINGS:
            fail("plugin", f"{plugin!r} is not one of {'|'.join(PLUGIN_SETTINGS)}")
        if plat != "virt" or md != "exact":
            fail("plugin", f"the QEMU plugin profiles the ipclab kernel in exact mode "
                 f"(this sweep is {plat}, {md} mode)")
    cap = _positive_int(doc["max_runs"], "max_runs", fail) if "max_runs" in doc else MAX_RUNS
    if max_runs is not None:
        cap = max(cap, max_runs)

    runs = doc["run"]
    if not isinstance(runs, list) or not all(isinstance(r, dict) for r in runs):
        fail("run", "expected an array of tables ([[run]])")
    if not runs:
        fail("run", "empty: a sweep needs at least one [[run]]")

    entries = []
    for i, r in enumerate(runs):
        where = f"run[{i}]"
        for key in r:
            if key not in RUN_KEYS:
                fail(f"{where}.{key}", f"unknown key (allowed: {', '.join(RUN_KEYS)})")
        if "workload" not in r:
            fail(f"{where}.workload", "missing")
        wl = r["workload"]
        if not isinstance(wl, str):
            fail(f"{where}.workload", f"expected a string, got {_type_name(wl)}")
        params = r.get("params", {})
        if not isinstance(params, dict):
            fail(f"{where}.params", f"expected a table, got {_type_name(params)}")
        axes = {}
        for pname, value in params.items():
            fname = f"{where}.params.{pname}"
            if pname in NOT_PARAMS:
                fail(fname, f"'{pname}' is not a parameter"
                     + (" (set mode at the top of the sweep)" if pname == "mode" else
                        "" if pname == "workload" else " (a key the result stream reserves)"))
            values = value if isinstance(value, list) else [value]
            if not values:
                fail(fname, "empty list (an axis needs at least one value)")
            for v in values:
                if isinstance(v, bool) or not isinstance(v, (int, str)):
                    fail(fname, f"{v!r} has type {_type_name(v)}; expected an integer or a string")
                if isinstance(v, str) and not re.match(r"[A-Za-z0-9_.+-]+\Z", v):
                    fail(fname, f"{v!r}: values are words without spaces or '='")
            seen = set()
            for v in values:
                if v in seen:
                    fail(fname, f"{v!r} appears twice")
                seen.add(v)
            axes[pname] = values
        entries.append(Entry(
            workload=wl, params=axes, index=i,
            repetitions=_positive_int(r.get("repetitions", reps), f"{where}.repetitions", fail),
            timeout=_positive_number(r.get("timeout", timeout), f"{where}.timeout", fail)))

    # The size, counted before anything is expanded (a product of lengths).
    total = 0
    for e in entries:
        grid = 1
        for values in e.params.values():
            grid *= len(values)
        total += grid * e.repetitions
    if total > cap:
        fail("max_runs" if "max_runs" in doc else "run",
             f"the sweep has {total} runs (configurations x repetitions), more than the "
             f"cap of {cap}: refused before anything is expanded; for a sweep this large on "
             f"purpose, set max_runs = {total} in the file or pass --max-runs {total}")
    return Sweep(path=path, name=name, platform=plat, mode=md, repetitions=reps,
                 timeout=timeout, entries=entries, text=text, description=description, jobs=jobs,
                 boot_group=boot_group, plugin=plugin)


def _positive_int(v, fieldname, fail):
    if isinstance(v, bool) or not isinstance(v, int):
        fail(fieldname, f"expected an integer, got {_type_name(v)}")
    if v < 1:
        fail(fieldname, f"{v} must be at least 1")
    return v


def _positive_number(v, fieldname, fail):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        fail(fieldname, f"expected a number of seconds, got {_type_name(v)}")
    # inf would never kill a hung run, nan compares false with everything
    if not math.isfinite(v):
        fail(fieldname, f"{v} is not a finite number of seconds")
    if not v > 0:
        fail(fieldname, f"{v} must be more than 0")
    return float(v) if isinstance(v, float) else v


def check_against(sweep, registry):
    """Check every workload, parameter, type and value against the registry."""
    def fail(fieldname, msg):
        raise SweepError(f"{sweep.path}: {fieldname}: {msg}")

    for e in sweep.entries:
        where = f"run[{e.index}]"
        if e.workload not in registry:
            fail(f"{where}.workload", f"unknown workload {e.workload!r} "
                 f"(this image has: {', '.join(sorted(registry)) or 'none'})")
        specs = registry[e.workload]
        for pname, values in e.params.items():
            fname = f"{where}.params.{pname}"
            if pname not in specs:
                fail(fname, f"unknown parameter of {e.workload} "
                     f"(it takes: {', '.join(specs) or 'none'})")
            spec = specs[pname]
            for v in values:
                if spec.kind == "int":
                    if not isinstance(v, int):
                        fail(fname, f"{v!r} is a {_type_name(v)}; expected an integer in {spec.describe()}")
                    if not spec.lo <= v <= spec.hi:
                        fail(fname, f"{v} is out of range {spec.lo}..{spec.hi}")
                else:
                    if not isinstance(v, str):
                        fail(fname, f"{v!r} is a {_type_name(v)}; expected one of {spec.describe()}")
                    if v not in spec.words:
                        fail(fname, f"{v!r} is not one of {spec.describe()}")


def expand(sweep, registry):
    """The runs, repetition-major (A B C A B C ...), so designs interleave."""
    configs = []
    for e in sweep.entries:
        specs = registry[e.workload]
        names = list(e.params)
        for combo in itertools.product(*(e.params[n] for n in names)):
            params = {n: str(p.default) for n, p in specs.items()}
            params.update({n: str(v) for n, v in zip(names, combo)})
            configs.append((e, params))
    runs = []
    most = max(e.repetitions for e in sweep.entries)
    for rep in range(most):
        for ci, (e, params) in enumerate(configs):
            if rep >= e.repetitions:
                continue
            run = Run(config=ci, workload=e.workload, params=params, rep=rep,
                      timeout=e.timeout, mode=sweep.mode)
            run.run_id = schema.run_id(ci, e.workload, rep)
            run.words = ([f"workload={e.workload}"]
                         + [f"{k}={params[k]}" for k in sorted(params)]
                         + [f"mode={sweep.mode}"])
            runs.append(run)
    return runs
