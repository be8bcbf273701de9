"""Results directories: built under a hidden name, published by one rename.

A sweep in progress lives in `<results>/.partial-<stamp>-<name>/`:

    state.json      what the sweep is (sweep and image hashes, platform, mode)
    plan.json       every run, in the order they are started
    sweep.toml      the sweep file, byte for byte
    done/, captures/   outcomes as runs finish (bench/execute.py)
    lock            held (flock) while a harness works on it

`publish()` assembles `runs.csv`, `samples.csv.gz`, `meta.json` (and, through
the analysis package, `summary.csv`) in `<results>/.stage-.../<name>/`, then renames
that to `<results>/<stamp>-<name>/`: the directory appears whole or not at all.
An export directory (`bench export`) has the same layout, so merging it is
publishing it.
"""

import csv
import datetime
import fcntl
import gzip
import io
import json
import os
import platform as pyplatform
import shutil
import subprocess
import sys

from . import execute, schema, sweep as sweepmod


class ResultsError(RuntimeError):
    pass


def stamp_now():
    return datetime.datetime.now().strftime("%Y%m%d-%H%M%S")


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def host_info():
    cpu = None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "Hardware") and value.strip():
                    cpu = value.strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "os": f"{pyplatform.system()} {pyplatform.release()}",
            "machine": pyplatform.machine(), "hostname": pyplatform.node()}


def git_info(root):
    def git(*args):
        try:
            r = subprocess.run(["git", "-C", root, *args], capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.SubprocessError):
            return None
        return r.stdout.strip() if r.returncode == 0 else None
    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain")
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def write_json(path, obj):
    execute.write_atomic(path, (json.dumps(obj, indent=1, sort_keys=False) + "\n").encode())


def read_json(path):
    with open(path) as f:
        return json.load(f)


# --- a sweep in progress --------------------------------------------------

def create(root, sw, state, runs, path=None):
    """A new work directory for `sw` under `root` (or at `path`); returns its path."""
    if path is None:
        os.makedirs(root, exist_ok=True)
        path = os.path.join(root, schema.PARTIAL_PREFIX + f"{state['stamp']}-{sw.name}")
        n = 1
        while os.path.exists(path):
            n += 1
            path = os.path.join(root, schema.PARTIAL_PREFIX + f"{state['stamp']}-{sw.name}-{n}")
    elif os.path.exists(path) and os.listdir(path):
        raise ResultsError(f"{path} exists and is not empty")
    os.makedirs(os.path.join(path, "done"))
    os.makedirs(os.path.join(path, schema.CAPTURES))
    execute.write_atomic(os.path.join(path, schema.SWEEP), sw.text)
    write_json(os.path.join(path, "plan.json"), [r.to_json() for r in runs])
    write_json(os.path.join(path, "state.json"), state)
    return path


def load_work(path):
    """(state, runs) of a work directory; ResultsError when it is not one."""
    try:
        state = read_json(os.path.join(path, "state.json"))
        runs = [sweepmod.Run.from_json(r) for r in read_json(os.path.join(path, "plan.json"))]
    except (OSError, ValueError, TypeError, KeyError) as e:
        raise ResultsError(f"{path}: not a sweep in progress or export directory ({e})") from None
    return state, runs


class Lock:
    """An exclusive flock on <dir>/lock, so two harnesses never share a directory."""

    def __init__(self, path):
        self.f = open(os.path.join(path, "lock"), "w")
        try:
            fcntl.flock(self.f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.f.close()
            raise ResultsError(f"{path} is in use by another harness") from None

    def release(self):
        self.f.close()


def find_resumable(root, state):
    """An unfinished, unlocked work directory of the same sweep and image, or None."""
    if not os.path.isdir(root):
        return None
    same = ("sweep_sha256", "image_sha256", "platform", "mode", "runner", "image_override", "name")
    for name in sorted(os.listdir(root), reverse=True):
        path = os.path.join(root, name)
        if not name.startswith(schema.PARTIAL_PREFIX) or os.path.exists(os.path.join(path, "published")):
            continue
        try:
            old, _ = load_work(path)
        except ResultsError:
            continue
        if all(old.get(k) == state.get(k) for k in same):
            try:
                Lock(path).release()
            except ResultsError:
                continue
            return path
    return None


# --- publishing -------------------------------------------------------------

def gather(sources, runs, allow_missing=False):
    """({run_id: (outcome, source dir)}, missing run ids, duplicates) from the sources.

    A run found in several sources (run twice, e.g. a requeued job) keeps the
    first ok outcome in source order; the others are listed in `duplicates`.
    """
    want = {r.run_id for r in runs}
    found, duplicates = {}, []
    for src in sources:
        for rid, o in sorted(execute.finished(src).items()):
            if rid not in want:
                raise ResultsError(f"{src}: outcome for {rid}, which is not in the plan")
            prev = found.get(rid)
            if prev is not None:
                duplicates.append({"run_id": rid, "kept": prev[1] if prev[0]["status"] == "ok"
                                   or o["status"] != "ok" else src,
                                   "sources": [prev[1], src]})
            if prev is None or (prev[0]["status"] != "ok" and o["status"] == "ok"):
                found[rid] = (o, src)
    missing = [r.run_id for r in runs if r.run_id not in found]
    if missing and not allow_missing:
        raise ResultsError(f"{len(missing)} of {len(runs)} runs have no outcome "
                           f"(first: {', '.join(missing[:5])})")
    return found, missing, duplicates


def assemble(stage, state, runs, found, sources, sweep_text, meta_extra):
    """Write the results files into `stage` (which must not exist)."""
    os.makedirs(os.path.join(stage, schema.CAPTURES))
    images = {o["image_sha256"] for o, _ in found.values()}
    if len(images) > 1 or (images and state["image_sha256"] not in images):
        raise ResultsError("outcomes come from different images (sha256 "
                           + ", ".join(sorted(images | {state['image_sha256']})) + "): "
                           "results would mix builds")
    order = sorted(runs, key=lambda r: (r.config, r.rep))
    rows, samples = [], io.StringIO()
    samples.write(",".join(schema.SAMPLE_COLUMNS) + "\n")
    counters, units, hosts = set(), set(), []
    info_rows, seen = [], {}        # per-run INFO; key -> set of values over runs
    n_ok = 0
    for r in order:
        params = schema.canonical_params(r.params)
        if r.run_id not in found:
            rows.append([r.run_id, r.workload, params, r.rep, state["platform"], r.mode,
                         "failed", "missing: no outcome (the run never finished)", 0, ""])
            continue
        o, src = found[r.run_id]
        cap_src = os.path.join(src, o["capture"])
        cap_dst = os.path.join(stage, o["capture"])
        if os.path.exists(cap_src):
            try:
                os.link(cap_src, cap_dst)
            except OSError:
                shutil.copy2(cap_src, cap_dst)
        rows.append([r.run_id, r.workload, params, r.rep, state["platform"], r.mode,
                     o["status"], o["reason"], o["attempts"],
                     o["capture"] if os.path.exists(cap_dst) else ""])
        if o["host"] not in hosts:
            hosts.append(o["host"])
        last = o["history"][-1].get("info", {}) if o["history"] else {}
        for k in sorted(last):
            info_rows.append([r.run_id, k, last[k]])
            if o["status"] == "ok":
                seen.setdefault(k, set()).add(last[k])
        plug_src = os.path.join(src, schema.plugin_path(r.run_id))
        if o["status"] == "ok" and os.path.exists(plug_src):    # a sweep with plugin = ...
            os.makedirs(os.path.join(stage, schema.PLUGIN_DIR), exist_ok=True)
            shutil.copy2(plug_src, os.path.join(stage, schema.plugin_path(r.run_id)))
        if o["status"] != "ok":
            continue
        n_ok += 1
        with open(os.path.join(src, "done", f"{r.run_id}.samples.csv")) as f:
            samples.write(f.read())
        for fr in o["frames"]:
            counters.add(fr["counter"])
            units.add(fr["unit"])

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(schema.RUN_COLUMNS)
    w.writerows(rows)
    execute.write_atomic(os.path.join(stage, schema.RUNS), buf.getvalue().encode())
    execute.write_atomic(os.path.join(stage, schema.SAMPLES),
                         execute.gzip_bytes(samples.getvalue().encode()))
    execute.write_atomic(os.path.join(stage, schema.SWEEP), sweep_text)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(schema.INFO_COLUMNS)
    w.writerows(info_rows)
    execute.write_atomic(os.path.join(stage, schema.INFO), buf.getvalue().encode())
    # meta.json keeps the INFO values every ok run agrees on (host facts);
    # per-run values (counts, CPUs used) are in info.csv
    info = {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}

    def one(s):
        s = sorted(s)
        return s[0] if len(s) == 1 else (s or None)

    meta = {
        "schema": schema.SCHEMA_VERSION,
        "name": state["name"],
        "created": state["stamp"],
        "finished": utc_now(),
        "git": state.get("git"),
        "platform": state["platform"],
        "mode": state["mode"],
        # exact mode of a platform that repeats its samples byte for byte
        # (schema.DETERMINISTIC): only then are two runs' differences real
        "deterministic": state["mode"] == "exact" and state["platform"] in schema.DETERMINISTIC,
        "counter": one(counters),
        "unit": one(units),
        "compiler": state.get("describe", {}).get("compiler"),
        "qemu": state.get("describe", {}).get("qemu"),
        "command": state.get("describe", {}).get("command"),
        # e.g. "no qemu.json beside the --image: used the tree's"
        "build_notes": state.get("describe", {}).get("notes", []),
        "image": {"path": state.get("describe", {}).get("image"),
                  "sha256": state["image_sha256"]},
        "host": hosts[0] if len(hosts) == 1 else (hosts or host_info()),
        "sweep": {"file": schema.SWEEP, "source": state.get("sweep_path"),
                  "sha256": state["sweep_sha256"]},
        "runs": {"total": len(runs), "ok": n_ok, "failed": len(runs) - n_ok},
        "info": info,
        "harness": {"python": sys.version.split()[0], "argv": state.get("argv")},
    }
    d = state.get("describe", {})
    if "kernel" in d or "boot_files" in d:
        # linux-virt: the booted kernel's package and version, every boot
        # file's checksum, and how many runs one boot may carry.
        meta["linux_virt"] = {"kernel": d.get("kernel"), "boot_files": d.get("boot_files"),
                              "group_limits": d.get("group_limits")}
    meta.update(meta_extra)
    write_json(os.path.join(stage, schema.META), meta)
    return meta


def analyse(path, plots=True, image=None):
    """summary.csv, plots and report.html through the analysis package.

    The directory is loaded once (analysis.load.load_dir) and the statistics
    computed once (analysis.summary.write_summary); plots and report take
    both as they are.  Returns {step: note}.  An analysis failure is noted,
    never raised: the raw results must survive any analysis bug.
    """
    # Imported here, not at the top: every other bench command (check, list,
    # run-one, export) stays free of pandas and matplotlib start-up costs.
    from analysis import load, plots as aplots, report, summary

    notes = {"summary": "not written"}
    try:
        res = load.load_dir(path)
        table = summary.write_summary(res)
        notes["summary"] = "written"
    except Exception as e:
        notes["summary"] = f"failed: {type(e).__name__}: {e}"
        return notes
    if os.path.isdir(os.path.join(path, schema.PLUGIN_DIR)):
        # the QEMU plugin's outputs: profile by symbol, footprint rows of summary.csv
        try:
            from analysis import profile
            profile.write_profile(path, image=image, res=res)
            notes["profile"] = "written"
        except Exception as e:
            notes["profile"] = f"failed: {type(e).__name__}: {e}"
    if not plots:
        return notes
    for label, step in (("plots", lambda: aplots.make_plots(res, table)),
                        ("report", lambda: report.make_report(res, table))):
        try:
            step()
            notes[label] = "written"
        except Exception as e:
            notes[label] = f"failed: {type(e).__name__}: {e}"
    return notes


def publish(work, root, state, runs, sources=None, allow_missing=False, analysis=True,
            plots=True, meta_extra=None):
    """Assemble the results of `work` (plus other sources) and rename into place."""
    sources = sources or [work]
    found, missing, duplicates = gather(sources, runs, allow_missing)
    os.makedirs(root, exist_ok=True)

    def free_name():
        n = 1
        while os.path.exists(os.path.join(root, schema.dir_name(state["stamp"], state["name"], n))):
            n += 1
        return schema.dir_name(state["stamp"], state["name"], n)

    # Staged beside its final place (one file system, so the rename is atomic),
    # under its final name (the analysis titles pages with it), inside a hidden
    # directory that is never mistaken for results if a publish dies.
    hidden = os.path.join(root, schema.STAGE_PREFIX + f"{state['stamp']}-{state['name']}-{os.getpid()}")
    if os.path.exists(hidden):
        shutil.rmtree(hidden)
    name = free_name()
    stage = os.path.join(hidden, name)
    with open(os.path.join(work, schema.SWEEP), "rb") as f:
        sweep_text = f.read()
    try:
        meta = assemble(stage, state, runs, found, sources, sweep_text, dict(meta_extra or {}))
        if missing:
            meta["missing_runs"] = missing
        if duplicates:
            meta["duplicate_outcomes"] = duplicates
        if analysis:
            meta["analysis"] = analyse(stage, plots, (meta.get("image") or {}).get("path"))
        else:
            meta["analysis"] = {"summary": "not written: analysis skipped (--no-analysis)"}
        write_json(os.path.join(stage, schema.META), meta)
        final = os.path.join(root, name)
        if os.path.exists(final):           # taken meanwhile by another harness
            final = os.path.join(root, free_name())
        os.rename(stage, final)
    finally:
        shutil.rmtree(hidden, ignore_errors=True)   # nothing half-made stays behind
    return final, meta


def discard(work):
    """Remove a work directory once its results are published."""
    try:
        open(os.path.join(work, "published"), "w").close()
    except OSError:
        pass
    shutil.rmtree(work, ignore_errors=True)
