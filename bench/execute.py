"""Running runs: one process per attempt, a time limit, one retry, a capture.

A run's outcome lives in the directory it was run into (a results directory
under construction, or an export directory):

    done/<run_id>.json          status, reason, attempts, the run, its host
    done/<run_id>.samples.csv   its sample rows (empty unless ok)
    captures/<run_id>.log.gz    every attempt's stdout and stderr

The JSON is written last and atomically: a run is finished exactly when its
JSON exists, which is what resume and merge rely on.
"""

import csv
import gzip
import io
import json
import os
import re
import shlex
import signal
import subprocess
import threading
import time
from dataclasses import dataclass

from . import schema, stream

MARK = b"=== "              # capture annotations: console noise to the parser
ATTEMPTS = 2                # a failed run is retried once
MAX_OUTPUT = 64 << 20       # bytes of stdout a run may print before it is stopped


class Interrupted(Exception):
    """The sweep was stopped; this run is not finished and must not be recorded."""


class Supervisor:
    """Tracks running children so an interrupt can kill them all."""

    def __init__(self):
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._procs = set()

    def add(self, p):
        with self._lock:
            if self.stop.is_set():
                _kill(p)
            self._procs.add(p)

    def remove(self, p):
        with self._lock:
            self._procs.discard(p)

    def interrupt(self):
        with self._lock:
            self.stop.set()
            for p in self._procs:
                _kill(p)


def _kill(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def gzip_bytes(data):
    """Deterministic gzip (no name, no time), so equal inputs give equal files."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as f:
        f.write(data)
    return buf.getvalue()


def write_atomic(path, data):
    tmp = f"{path}.tmp{os.getpid()}.{threading.get_ident()}"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _supervise(argv, base, cwd, sup, stop_id, wait, check):
    """Run argv in a session of its own, stdout and stderr to files beside
    `base`; after each wait() seconds call check(stdout file), which returns
    why to kill it, or None.  The one place a run's process is watched (a
    single run and a boot group alike).

    Returns (exit status or None, killed, stdout, stderr, seconds); raises
    Interrupted(stop_id) when the harness is being stopped.
    """
    t0 = time.monotonic()
    try:
        # Append mode: the child's writes land at the end of the file, whatever
        # the offset of the description it shares with us; check() reads with
        # pread, which moves no offset.  (With "w+b" and a seek in check(), a
        # console write racing the seek landed at the offset read from and
        # overwrote the capture's first bytes: the "garbled" linux-virt frames.)
        with open(base + ".out", "a+b") as out, open(base + ".err", "a+b") as err:
            try:
                p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                     start_new_session=True, cwd=cwd)
            except OSError as e:
                return None, None, b"", f"cannot start: {e}\n".encode(), 0.0
            sup.add(p)
            killed = None
            try:
                while killed is None:
                    try:
                        p.wait(timeout=wait())
                        break
                    except subprocess.TimeoutExpired:
                        pass
                    try:
                        killed = check(out)
                    except Exception as e:  # a harness bug ends this run, never leaks it
                        killed = f"harness error while watching the run: {type(e).__name__}: {e}"
                if killed:
                    _kill(p)
                    p.wait()
            finally:
                if p.poll() is None:        # leaving by an exception: no process outlives it
                    _kill(p)
                    p.wait()
                sup.remove(p)
            secs = time.monotonic() - t0
            out.seek(0)
            err.seek(0)
            data, errdata = out.read(MAX_OUTPUT), err.read(MAX_OUTPUT)
    finally:
        for name in (base + ".out", base + ".err"):
            try:
                os.unlink(name)
            except FileNotFoundError:
                pass
    if sup.stop.is_set():
        raise Interrupted(stop_id)
    return (None if killed else p.returncode), killed, data, errdata, secs


def read_at(f, offset, n):
    """n bytes of f from offset, without moving the offset f shares with a
    child that is still writing (pread)."""
    chunks = []
    while n > 0:
        b = os.pread(f.fileno(), n, offset)
        if not b:
            break
        chunks.append(b)
        offset += len(b)
        n -= len(b)
    return b"".join(chunks)


def _runaway(out):
    if os.fstat(out.fileno()).st_size > MAX_OUTPUT:
        return f"output exceeded {MAX_OUTPUT >> 20} MiB (a runaway console?)"
    return None


def attempt(platform, run, workdir, sup):
    """Start the run once.

    Returns (argv, exit status or None, killed, stdout, stderr, seconds), where
    `killed` is None or why the harness killed it (time limit, runaway output).
    """
    argv = platform.run_argv(run, os.path.dirname(workdir))
    base = os.path.join(workdir, f"{run.run_id}.{os.getpid()}.{threading.get_ident()}")
    t0 = time.monotonic()

    def wait():
        return max(0.0, min(1.0, run.timeout - (time.monotonic() - t0)))

    def check(out):
        if time.monotonic() - t0 >= run.timeout:
            return f"timeout after {run.timeout:g} s"
        return _runaway(out)

    return (argv,) + _supervise(argv, base, platform.root, sup, run.run_id, wait, check)


def judge(run, platform_name, cap, status, killed, explain=None):
    """Reasons this attempt failed ([] when it succeeded).

    Beyond the stream's own checks (bench/stream.py), every frame must be of
    the run that was asked for: its workload, platform, mode and parameters;
    exactly the run's `iterations` samples (FORMAT.md: every workload
    promises that many); a unit and counter the platform can produce in
    this mode (schema.UNITS); and one frame per metric.  `explain` turns an
    exit status into words (the kernel's enum ipclab_exit on virt).
    """
    reasons = []
    if killed:
        reasons.append(killed)
    elif status is not None and status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = str(-status)
        reasons.append(f"killed by signal {name}")
    elif status != 0:
        reasons.append((explain(status) if explain else f"exit status {status}")
                       if status is not None else "did not start")
    reasons += cap.problems
    if not cap.problems and not cap.frames:
        reasons.append("no frames: the run printed no samples")
    units = schema.UNITS.get((platform_name, run.mode), {})
    want_n = run.params.get("iterations")
    seen = {}
    for f in cap.frames:
        name = f"frame at line {f.line} (metric={f.metric})"
        if f.metric in seen:
            reasons.append(f"{name}: a second frame of metric {f.metric} (the first at line "
                           f"{seen[f.metric]}): one frame per metric per run")
            continue
        seen[f.metric] = f.line
        for key, want in (("workload", run.workload), ("platform", platform_name),
                          ("mode", run.mode)):
            if f.header[key] != want:
                reasons.append(f"{name}: {key}={f.header[key]}, the run asked {key}={want}")
        got = f.params
        for key in sorted(set(run.params) | set(got)):
            if got.get(key) != run.params.get(key):
                reasons.append(f"{name}: {key}={got.get(key, '(absent)')}, the run asked "
                               f"{key}={run.params.get(key, '(absent)')}")
        if want_n is None:
            reasons.append(f"{name}: the run has no iterations parameter, so its "
                           f"samples={f.promised} cannot be checked")
        elif str(f.promised) != str(want_n):
            reasons.append(f"{name}: samples={f.promised}, but the run asked "
                           f"iterations={want_n}: every frame holds iterations samples")
        unit, counter = f.header["unit"], f.header["counter"]
        if unit not in units:
            can = "|".join(units) or "nothing"
            reasons.append(f"{name}: unit={unit}, which {platform_name} in {run.mode} mode "
                           f"cannot produce (it measures {can})")
        elif counter not in units[unit]:
            reasons.append(f"{name}: counter={counter}; {unit} on {platform_name} in "
                           f"{run.mode} mode comes from {'|'.join(units[unit])}")
    return reasons


def short(reasons, most=4):
    if len(reasons) <= most:
        return "; ".join(reasons)
    return "; ".join(reasons[:most]) + f"; (+{len(reasons) - most} more)"


def sample_rows(run, frames):
    for f in frames:
        h = f.header
        params = schema.canonical_params(f.params)
        for i, v in enumerate(f.samples):
            yield [run.run_id, h["workload"], h["metric"], params, run.rep, h["platform"],
                   h["counter"], h["unit"], h["mode"], f.per, f.overhead, i, v]


def capture_section(run_id, n, argv, data, errdata, status, killed, secs, verdict):
    end = f"killed: {killed}" if killed else f"exit {status}"
    parts = [MARK + f"ipclab capture: run {run_id} attempt {n}\n".encode(),
             MARK + f"command: {shlex.join(argv)}\n".encode(),
             data]
    if data and not data.endswith(b"\n"):
        parts.append(b"\n" + MARK + b"(no newline at the end of the output)\n")
    if errdata:
        parts.append(MARK + f"stderr ({len(errdata)} bytes):\n".encode())
        parts += [MARK + b"stderr: " + ln + b"\n" for ln in errdata.splitlines()]
    parts.append(MARK + f"end of attempt {n}: {end}, {secs:.2f} s, {verdict}\n".encode())
    return b"".join(parts)


def split_capture(data):
    """Attempts in a capture file: [(title, bytes)]; a raw stream is one attempt.

    The annotations (and the stderr lines, each prefixed) are console noise
    to the parser, so each attempt's section can be parsed whole.
    """
    head = MARK + b"ipclab capture:"
    if not data.startswith(head):
        return [("capture", data)]
    attempts = []
    for chunk in data[len(head):].split(b"\n" + head):
        title, _, body = chunk.partition(b"\n")
        if body.startswith(MARK + b"command:"):
            body = body.partition(b"\n")[2]      # so line numbers match the run's
        attempts.append(("ipclab capture:" + title.decode(errors="replace"), body))
    return attempts


def _dirs(outdir):
    workdir = os.path.join(outdir, "work")
    os.makedirs(workdir, exist_ok=True)
    os.makedirs(os.path.join(outdir, "done"), exist_ok=True)
    os.makedirs(os.path.join(outdir, schema.CAPTURES), exist_ok=True)
    return workdir


def execute(platform, run, outdir, sup, image_sha256, host):
    """Run with one retry; write the outcome; return its dict."""
    if getattr(platform, "grouped", False):
        return execute_group(platform, [run], outdir, sup, image_sha256, host)[0]
    workdir = _dirs(outdir)
    capture, history, frames = [], [], []
    for n in range(1, ATTEMPTS + 1):
        argv, status, killed, data, errdata, secs = attempt(platform, run, workdir, sup)
        try:
            cap = stream.parse(data)
            reasons = judge(run, platform.name, cap, status, killed,
                            getattr(platform, "explain_exit", None))
        except Exception as e:      # a harness bug costs this run, never the sweep
            cap = stream.Capture()
            reasons = [f"harness error while judging the capture: {type(e).__name__}: {e}"]
        verdict = "ok" if not reasons else "failed: " + short(reasons)
        capture.append(capture_section(run.run_id, n, argv, data, errdata, status,
                                       killed, secs, verdict))
        history.append({"attempt": n, "exit": status, "killed": killed,
                        "seconds": round(secs, 3), "reason": short(reasons),
                        "command": argv, "info": cap.info})
        if not reasons:
            frames = cap.frames
            break
    return write_outcome(outdir, run, capture, history, frames, image_sha256, host)


def write_outcome(outdir, run, capture, history, frames, image_sha256, host):
    """The run's capture, sample rows and (last, atomically) its JSON; returns the JSON's dict."""
    ok = not history[-1]["reason"]
    if ok:
        reason = "; ".join(f"attempt {h['attempt']}: {h['reason']}" for h in history[:-1])
    else:
        reason = history[-1]["reason"]
        if len(history) > 1 and history[0]["reason"] != reason:
            reason += f" (attempt 1: {history[0]['reason']})"
    capture_rel = schema.capture_path(run.run_id)
    write_atomic(os.path.join(outdir, capture_rel), gzip_bytes(b"".join(capture)))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(sample_rows(run, frames))
    write_atomic(os.path.join(outdir, "done", f"{run.run_id}.samples.csv"),
                 buf.getvalue().encode())
    outcome = {"run": run.to_json(), "status": "ok" if ok else "failed", "reason": reason,
               "attempts": len(history), "capture": capture_rel, "history": history,
               "frames": [{"metric": f.metric, "n": len(f.samples), "counter": f.header["counter"],
                           "unit": f.header["unit"]} for f in frames],
               "image_sha256": image_sha256, "host": host}
    write_atomic(os.path.join(outdir, "done", f"{run.run_id}.json"),
                 json.dumps(outcome, indent=1).encode())
    return outcome


# --- boot groups: several runs in one boot (linux-virt) ------------------------
#
# A Linux boot costs about 2 s of wall time before /init runs, so linux-virt
# can run a group of runs in one boot (the sweep's boot_group): each is
# one argument of the kernel command line, and linux-virt/init.c brackets
# each run's stream with `LINUX-VIRT RUN <i> <words>` and `LINUX-VIRT END
# <i> exit=<n>|signal=<n>`.  The console is cut there and every run is
# judged on its own section, exactly as a run of its own would be, with its
# own reason when it fails.  What ends a boot early (a kernel panic, a hang
# stopped by the time limit, QEMU failing) fails the run it happened in with
# that cause, and every later run of the group as "not run".  Each run keeps
# its own time limit, counted from the moment its RUN line appears (the
# boot's own time counts against the first run).  A failed run is retried
# after the runs it followed in its first boot (retry_boots).

LV_MARK = b"LINUX-VIRT "
PANIC = b"Kernel panic - not syncing"
# The numbers are bounded (a run's index, an exit status, a signal or an
# errno): a console line with longer digits is no marker, only output.
_LV_RUN = re.compile(rb"LINUX-VIRT RUN ([0-9]{1,6}) (.*)\Z")
_LV_END = re.compile(rb"LINUX-VIRT END ([0-9]{1,6}) (exit|signal|fork-failed)=(-?[0-9]{1,9})\Z")


@dataclass
class Section:
    index: int
    words: str
    body: bytes = b""
    end: tuple = None           # ("exit"|"signal"|"fork-failed", n) or None
    unended: bool = False       # another run began before this one's END line


def split_boot(data):
    """One boot's console: (prelude, {index: Section}, tail, boot line, powered off).

    prelude: the lines before the first RUN (the kernel's messages); tail:
    the lines after the last section's END (e.g. a panic).  A section is
    the lines between its RUN and END lines, exclusive: what the run itself
    printed, which is what is parsed and judged.
    """
    prelude, tail, sections = [], [], {}
    cur, boot_line, poweroff = None, None, False
    lines = []
    for raw in data.split(b"\n"):
        # A run that dies mid-line leaves its partial line in front of the
        # END marker: cut there, the part before is the run's own output.
        i = raw.find(LV_MARK)
        if i > 0:
            lines += [raw[:i], raw[i:]]
        else:
            lines.append(raw)
    if lines and lines[-1] == b"":
        lines.pop()
    for raw in lines:
        line = raw.rstrip(b"\r")
        m = _LV_RUN.match(line) if line.startswith(LV_MARK) else None
        e = _LV_END.match(line) if line.startswith(LV_MARK) and not m else None
        if m:
            if cur is not None:
                cur.unended = True
            cur = Section(int(m.group(1)), m.group(2).decode(errors="replace"))
            sections.setdefault(cur.index, cur)
            tail = []
            continue
        if e and cur is not None and int(e.group(1)) == cur.index:
            cur.end = (e.group(2).decode(), int(e.group(3)))
            cur = None
            continue
        if line.startswith(b"LINUX-VIRT BOOT"):
            boot_line = line.decode(errors="replace")
        if line == b"LINUX-VIRT POWEROFF":
            poweroff = True
        if cur is not None:
            cur.body += raw + b"\n"
        elif not sections:
            prelude.append(line)
        else:
            tail.append(line)
    return prelude, sections, tail, boot_line, poweroff


def boot_end_cause(data, killed, status, errdata, explain=None):
    """Why a boot ended before its runs did, in words."""
    if killed:
        return killed
    for line in data.split(b"\n"):
        i = line.find(PANIC)
        if i >= 0:
            return "kernel panic: " + line[i:].decode(errors="replace").strip()[:300]
    if status is None:
        return "QEMU did not start: " + errdata.decode(errors="replace").strip()[:300]
    if status != 0:
        tail = errdata.decode(errors="replace").strip().splitlines()
        return f"QEMU exit status {status}" + (f": {tail[-1][:300]}" if tail else "")
    if b"LINUX-VIRT BOOT" not in data:
        return "the kernel did not reach /init (no LINUX-VIRT BOOT line on the console)"
    return "the boot ended without powering off (/init died?)"


def attempt_group(platform, runs, workdir, sup):
    """Boot once for `runs`.  Returns (argv, status, killed, stdout, stderr, seconds,
    index of the run during which the harness stopped the boot, or None)."""
    argv = platform.command_group([r.words for r in runs])
    base = os.path.join(workdir, f"{runs[0].run_id}.{os.getpid()}.{threading.get_ident()}")
    st = {"current": 0, "started": time.monotonic(), "seen": 0, "pending": b""}

    def check(out):
        reason = _runaway(out)
        if reason:
            return reason
        # Follow the RUN lines: each run's limit counts from its start.
        size = os.fstat(out.fileno()).st_size
        if size > st["seen"]:
            st["pending"] += read_at(out, st["seen"], size - st["seen"])
            st["seen"] = size
            *whole, st["pending"] = st["pending"].split(b"\n")
            for line in whole:
                m = _LV_RUN.match(line[max(0, line.find(LV_MARK)):].rstrip(b"\r"))
                if m and int(m.group(1)) < len(runs):
                    st["current"], st["started"] = int(m.group(1)), time.monotonic()
        limit = runs[st["current"]].timeout
        if time.monotonic() - st["started"] >= limit:
            return f"timeout after {limit:g} s"
        return None

    status, killed, data, errdata, secs = _supervise(argv, base, platform.root, sup,
                                                     runs[0].run_id, lambda: 0.5, check)
    return argv, status, killed, data, errdata, secs, (st["current"] if killed else None)


def judge_group(platform, runs, argv, status, killed, data, errdata, stopped_in):
    """[(reasons, capture, section bytes, run's own exit or None, ended_in_it)] per run."""
    prelude, sections, tail, boot_line, poweroff = split_boot(data)
    out = []
    cause = None
    for i, run in enumerate(runs):
        sec = sections.get(i)
        own_status, ended_in = None, False
        if sec is None:
            cause = cause or boot_end_cause(data, killed, status, errdata)
            reasons = [f"not run: the boot ended before it began ({cause})"]
            cap, body = stream.Capture(), b""
        elif sec.words != " ".join(run.words):
            reasons = [f"the boot ran {sec.words!r} as its run {i}, not this run's words"]
            cap, body = stream.Capture(), sec.body
        elif sec.end is None and sec.unended:
            reasons = ["no END line for this run before the next run began (a missing or "
                       "malformed LINUX-VIRT END line)"]
            cap, body = stream.Capture(), sec.body
        elif sec.end is None:
            cause = cause or boot_end_cause(data, killed, status, errdata)
            ended_in = True
            try:
                cap = stream.parse(sec.body)
            except Exception:       # the reason below is the one that matters
                cap = stream.Capture()
            reasons = [f"the boot ended during this run: {cause}"]
            cap.frames = []
            body = sec.body
        else:
            kind, n = sec.end
            own_status = n if kind == "exit" else -n if kind == "signal" else None
            body = sec.body
            try:
                cap = stream.parse(sec.body)
                reasons = judge(run, platform.name, cap, own_status, None,
                                getattr(platform, "explain_exit", None))
            except Exception as e:  # a harness bug costs this run, never the sweep
                cap = stream.Capture()
                reasons = [f"harness error while judging the capture: {type(e).__name__}: {e}"]
            if kind == "fork-failed":
                reasons.insert(0, f"/init could not fork for it (errno {n})")
        extra = [MARK + f"boot group: this run is run {i} of {len(runs)} in one boot "
                 f"({', '.join(r.run_id for r in runs)})\n".encode()]
        extra += [MARK + b"boot: " + ln + b"\n" for ln in prelude if ln.strip()]
        if reasons and (ended_in or sec is None):
            extra += [MARK + b"boot end: " + ln + b"\n" for ln in tail if ln.strip()]
        out.append((reasons, cap, body + b"".join(extra), own_status, ended_in))
    return out


def execute_group(platform, runs, outdir, sup, image_sha256, host):
    """Run `runs` in one boot, retrying the failed ones (retry_boots); write each outcome."""
    workdir = _dirs(outdir)
    capture = {r.run_id: [] for r in runs}
    history = {r.run_id: [] for r in runs}
    frames = {r.run_id: [] for r in runs}
    pending = list(runs)
    for n in range(1, getattr(platform, "attempts", ATTEMPTS) + 1):
        if not pending:
            break
        failed = []
        for group in (retry_boots(runs, pending, history) if n > 1 else [pending]):
            argv, status, killed, data, errdata, secs, stopped = attempt_group(
                platform, group, workdir, sup)
            try:
                judged = judge_group(platform, group, argv, status, killed, data, errdata,
                                     stopped)
            except Exception as e:  # a harness bug costs these runs, never the sweep
                why = f"harness error while judging the boot: {type(e).__name__}: {e}"
                judged = [([why], stream.Capture(), b"", None, True) for _ in group]
            for run, (reasons, cap, body, own, ended_in) in zip(group, judged):
                if run not in pending:
                    continue        # booted again only to precede a retried run
                verdict = "ok" if not reasons else "failed: " + short(reasons)
                capture[run.run_id].append(capture_section(
                    run.run_id, n, argv, body, errdata, own if not ended_in else status,
                    killed if ended_in else None, secs, verdict))
                history[run.run_id].append({
                    "attempt": n, "exit": own, "killed": killed if ended_in else None,
                    "seconds": round(secs, 3), "reason": short(reasons), "command": argv,
                    "info": cap.info, "boot": {"runs": [r.run_id for r in group],
                                               "index": group.index(run),
                                               "ended_during_it": ended_in}})
                if reasons:
                    failed.append(run)
                else:
                    frames[run.run_id] = cap.frames
        pending = failed
    return [write_outcome(outdir, r, capture[r.run_id], history[r.run_id], frames[r.run_id],
                          image_sha256, host) for r in runs]


def retry_boots(runs, pending, history):
    """The boots that retry `pending`, runs of the group `runs`.

    A run's figures depend on what ran before it in its boot, so a retried
    run is booted after the same runs as in its first boot (they run again;
    only the retried runs' outcomes are kept), and a failure that repeats
    repeats in the same place.  The exception: a run that has ever ended a
    boot (a panic, a hang) precedes nothing again; each such run is retried
    in a boot that ends with it, the others in one boot up to the last of
    them.
    """
    enders = [r for r in runs
              if any(h["boot"]["ended_during_it"] for h in history[r.run_id])]
    before = lambda r: [x for x in runs[:runs.index(r)] if x not in enders]
    boots = [before(r) + [r] for r in pending if r in enders]
    rest = [r for r in pending if r not in enders]
    if rest:
        last = max(rest, key=runs.index)
        boots.append(before(last) + [last])
    return boots


def finished(outdir):
    """{run_id: outcome} of the runs already finished in outdir."""
    done = {}
    d = os.path.join(outdir, "done")
    if not os.path.isdir(d):
        return done
    for name in os.listdir(d):
        if name.endswith(".json"):
            with open(os.path.join(d, name)) as f:
                o = json.load(f)
            done[o["run"]["run_id"]] = o
    return done
