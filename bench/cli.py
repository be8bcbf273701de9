"""ipclab bench: run a sweep of IPC experiments and write a results directory.

  run SWEEP            build once, run every configuration in parallel, publish
                       results/<stamp>-<name>/ (resumes an interrupted run of
                       the same sweep and image unless --fresh)
  run --resume DIR     finish the interrupted sweep in DIR
  check SWEEP          validate a sweep against the image, run nothing
  list                 the image's workloads and parameters
  export SWEEP --dir D one self-contained command per run, in D/commands.sh
  run-one ...          one run into a directory (what export's commands call)
  merge D [D2 ...]     publish the outcomes of an export as one results directory
  table DIR            print the summary table of a results directory
  side-by-side [V L]   the kernel (virt) and Linux (linux-virt) in instructions, from
                       two results directories (default: the newest of each)
  --from-capture FILE  re-parse a saved capture (plain or .gz) and print it

Exit status: 0 success (runs may have failed: see runs.csv), 1 a capture or
results problem, 2 a bad sweep or command line, 130 interrupted.
"""

import argparse
import concurrent.futures
import gzip
import math
import os
import shlex
import signal
import sys

from . import execute, platform as platmod, progress, registry as regmod, results, schema, stream
from . import sweep as sweepmod, table

ROOT = platmod.ROOT
DEFAULT_RESULTS = os.path.join(ROOT, "results")
DEFAULT_CACHE = os.path.join(ROOT, platmod.BUILD, "bench")


class Fail(Exception):
    """A user-facing error: message, exit status."""
    def __init__(self, msg, status=1):
        super().__init__(msg)
        self.status = status


def say(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# --- the image and its registry ---------------------------------------------

def get_registry(plat, cache_dir, image_sha):
    key = f"{plat.name}-{image_sha[:16]}"
    reg = regmod.load_cached(cache_dir, key)
    if reg is not None:
        return reg
    import subprocess
    argv = plat.command(["workload=list"])
    try:
        r = subprocess.run(argv, capture_output=True, timeout=120, stdin=subprocess.DEVNULL,
                           cwd=plat.root)
    except subprocess.TimeoutExpired:
        raise Fail(f"`{shlex.join(argv)}` did not answer within 120 s") from None
    except OSError as e:
        raise Fail(f"cannot start {argv[0]}: {e}") from None
    cap = stream.parse(r.stdout)
    if r.returncode != 0:
        cap.problems.insert(0, f"exit status {r.returncode}")
    try:
        reg = regmod.parse_registry(cap)
    except regmod.RegistryError as e:
        tail = (r.stdout.decode(errors="replace")[-600:] + r.stderr.decode(errors="replace")[-400:])
        raise Fail(f"cannot read the workload registry of {plat.image}: {e}\n"
                   f"command: {shlex.join(argv)}\nits output ends with:\n{tail}") from None
    regmod.save_cached(cache_dir, key, reg)
    return reg


def prepare(args, sweep_path, build=True):
    """Sweep checked against the image: (sweep, platform, runs, image sha256)."""
    try:
        sw = sweepmod.load(sweep_path, platform=args.platform, mode=args.mode,
                           max_runs=getattr(args, "max_runs", None))
    except sweepmod.SweepError as e:
        raise Fail(str(e), 2) from None
    if sw.plugin:       # plugin = "profile": every run with the QEMU plugin (bench/plugin.py)
        from . import plugin
        plat = plugin.PluginPlatform(sw.mode, plugin.plugin_for(args.image), sw.plugin,
                                     runner=args.runner, image=args.image)
    else:
        plat = platmod.Platform(sw.platform, sw.mode, runner=args.runner, image=args.image)
    try:
        if build and not args.no_build:
            plat.build()
        plat.check_image()
    except platmod.PlatformError as e:
        raise Fail(str(e)) from None
    image_sha = plat.image_sha256()
    reg = get_registry(plat, args.cache_dir, image_sha)
    try:
        sweepmod.check_against(sw, reg)
    except sweepmod.SweepError as e:
        raise Fail(str(e), 2) from None
    runs = sweepmod.expand(sw, reg)
    # Every run's command line, before any runs: one the machine cannot
    # boot (more CPUs than qemu.json allows) is refused by name.
    for r in runs:
        try:
            plat.command(r.words)
        except platmod.PlatformError as e:
            raise Fail(f"{sw.path}: {r.workload} {' '.join(r.words[1:-1])}: {e}", 2) from None
    return sw, plat, runs, image_sha


def command_line():
    """The harness's command line as a user retypes it: `python3 -m bench ...`,
    not the path of bench/__main__.py in this checkout (meta.json is
    committed with reference results)."""
    head = sys.argv[0]
    if os.path.basename(head) == "__main__.py" and os.path.dirname(os.path.abspath(head)) == os.path.join(ROOT, "bench"):
        head = ["python3", "-m", "bench"]
    else:
        head = [head]
    return head + sys.argv[1:]


def new_state(sw, plat, image_sha, argv):
    return {"stamp": results.stamp_now(), "name": sw.name, "sweep_path": sw.path,
            "sweep_sha256": sw.sha256, "image_sha256": image_sha, "platform": sw.platform,
            "mode": sw.mode, "runner": plat.runner,
            "image_override": plat.image if plat.fixed_image else None, "git": results.git_info(ROOT),
            "describe": plat.describe(), "argv": argv}


# --- running ----------------------------------------------------------------

def run_pending(plat, work, runs, jobs, image_sha, per_boot=1):
    """Run every planned run without an outcome in `work`; Ctrl-C leaves it resumable."""
    done = execute.finished(work)
    pending = [r for r in runs if r.run_id not in done]
    if done:
        say(f"{len(done)} of {len(runs)} runs already finished in {work}; running the other {len(pending)}")
    prog = progress.Progress(len(runs), len(done))
    sup = execute.Supervisor()
    host = results.host_info()
    ex = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
    try:
        if getattr(plat, "grouped", False):
            futs = [ex.submit(execute.execute_group, plat, g, work, sup, image_sha, host)
                    for g in boot_groups(plat, pending, per_boot)]
        else:
            futs = [ex.submit(execute.execute, plat, r, work, sup, image_sha, host)
                    for r in pending]
        for fut in concurrent.futures.as_completed(futs):
            try:
                got = fut.result()
            except execute.Interrupted:
                continue
            for o in (got if isinstance(got, list) else [got]):
                prog.update(o["run"]["run_id"], o)
    except BaseException:
        sup.interrupt()
        ex.shutdown(wait=True, cancel_futures=True)
        prog.finish()
        raise
    ex.shutdown(wait=True)
    prog.finish()


def boot_groups(plat, runs, most):
    """The boots of a grouped platform (linux-virt): the runs of one repetition
    in sweep order, at most `most` (the sweep's boot_group) and as many as the
    kernel command line carries to a boot.  Each repetition boots afresh, so
    repetitions stay independent boots."""
    groups = []
    for run in runs:
        g = groups[-1] if groups else None
        if g and len(g) < most and g[0].rep == run.rep \
                and plat.group_fits([r.words for r in g + [run]]):
            g.append(run)
        else:
            groups.append([run])
    return groups


def _sigterm(signum, frame):
    raise KeyboardInterrupt


def cmd_run(args):
    if args.resume:
        work = args.resume
        state, runs = results.load_work(work)
        sweep_path = args.sweep or os.path.join(work, schema.SWEEP)
        args.platform = args.platform or state["platform"]
        args.mode = args.mode or state["mode"]
        args.runner = args.runner or state.get("runner")
        args.image = args.image or state.get("image_override")
        # No build: a rebuild would replace the image the finished runs used.
        sw, plat, new_runs, image_sha = prepare(args, sweep_path, build=False)
        if sw.sha256 != state["sweep_sha256"]:
            raise Fail(f"{sweep_path} differs from the sweep {work} was started with", 2)
        if image_sha != state["image_sha256"]:
            raise Fail(f"the image changed since {work} was started (sha256 {image_sha[:12]} "
                       f"now, {state['image_sha256'][:12]} then): resuming would mix builds; "
                       f"put the old image back (or name it with --image) or start afresh")
    else:
        if not args.sweep:
            raise Fail("run: name a sweep file (or --resume DIR)", 2)
        sw, plat, runs, image_sha = prepare(args, args.sweep)
        state = new_state(sw, plat, image_sha, command_line())
        work = None if args.fresh else results.find_resumable(args.results, state)
        if work:
            state, runs = results.load_work(work)
            say(f"resuming {work} (the same sweep and image; --fresh starts afresh)")
        else:
            work = results.create(args.results, sw, state, runs)
    jobs = args.jobs or min(os.cpu_count() or 1, sw.jobs or os.cpu_count() or 1)
    say(f"{sw.name}: {len(runs)} runs on {sw.platform} ({sw.mode} mode), -j{jobs}, "
        + (f"up to {sw.boot_group} runs a boot, " if sw.boot_group > 1 else "")
        + f"work in {work}")
    signal.signal(signal.SIGTERM, _sigterm)
    lock = results.Lock(work)       # held until published: no other harness resumes it
    try:
        try:
            run_pending(plat, work, runs, jobs, image_sha, sw.boot_group)
        except KeyboardInterrupt:
            say(f"interrupted; finished runs are kept. Resume with: "
                f"{sys.executable} -m bench run --resume {shlex.quote(work)}")
            return 130
        root = os.path.dirname(os.path.abspath(work)) if args.resume else args.results
        if not args.no_analysis:
            say("runs done; summary" + ("" if args.no_plots else ", plots and report")
                + " (analysis package) before publishing")
        final, meta = results.publish(work, root, state, runs, analysis=not args.no_analysis,
                                      plots=not args.no_plots)
        results.discard(work)
    finally:
        lock.release()
    report(final, meta)
    return 0


def report(final, meta):
    for label, note in meta.get("analysis", {}).items():
        if note != "written":
            say(f"{label}: {note}")
    table.print_table(final, sys.stdout)
    r = meta["runs"]
    print(f"\n{r['ok']} of {r['total']} runs ok, {r['failed']} failed"
          + (" (reasons in runs.csv)" if r["failed"] else ""))
    print(f"results: {os.path.relpath(final) if final.startswith(os.getcwd()) else final}")


def cmd_check(args):
    sw, plat, runs, _ = prepare(args, args.sweep)
    configs = len({r.config for r in runs})
    print(f"{sw.path}: ok: {len(sw.entries)} entries, {configs} configurations, "
          f"{len(runs)} runs on {sw.platform} ({sw.mode} mode)")
    return 0


def cmd_list(args):
    plat = platmod.Platform(args.platform or "virt", args.mode or "exact", runner=args.runner,
                            image=args.image)
    try:
        if not args.no_build:
            plat.build()
        plat.check_image()
    except platmod.PlatformError as e:
        raise Fail(str(e)) from None
    reg = get_registry(plat, args.cache_dir, plat.image_sha256())
    for w, params in reg.items():
        print(w)
        for p in params.values():
            print(f"    {p.name:14} {p.describe():28} default {p.default}")
    return 0


# --- export, run-one, merge -------------------------------------------------

def cmd_export(args):
    sw, plat, runs, image_sha = prepare(args, args.sweep)
    out = os.path.abspath(args.dir)
    state = new_state(sw, plat, image_sha, command_line())
    try:
        results.create(None, sw, state, runs, path=out)
    except results.ResultsError as e:
        raise Fail(str(e), 2) from None
    lines = []
    for r in runs:
        cmd = [sys.executable, "-m", "bench", "run-one", "--out", out, "--run-id", r.run_id,
               "--config", str(r.config), "--rep", str(r.rep), "--timeout", f"{r.timeout:g}",
               "--platform", sw.platform, "--mode", sw.mode, "--image-sha256", image_sha]
        cmd += ["--runner", plat.runner] if plat.runner else ["--image", plat.image]
        lines.append(f"cd {shlex.quote(ROOT)} && {shlex.join(cmd + ['--'] + r.words)}\n")
    execute.write_atomic(os.path.join(out, "commands.sh"), "".join(lines).encode())
    print(f"{len(lines)} commands in {out}/commands.sh, one run each; for example\n"
          f"  parallel -j $(nproc) < {out}/commands.sh\n"
          f"  sbatch --array=1-{len(lines)} --wrap 'sed -n \"${{SLURM_ARRAY_TASK_ID}}p\" "
          f"{out}/commands.sh | sh'\n"
          f"each writes its outcome under {out}/ (or give its --out another directory);\n"
          f"then: {sys.executable} -m bench merge {out} [more output directories]")
    return 0


def cmd_run_one(args):
    words = args.words
    kv = dict(w.split("=", 1) for w in words if "=" in w)
    if len(kv) != len(words) or "workload" not in kv or kv.get("mode") != args.mode:
        raise Fail("run-one: the words must be key=value, with workload= and mode= "
                   "matching --mode", 2)
    params = {k: v for k, v in kv.items() if k not in ("workload", "mode")}
    run = sweepmod.Run(config=args.config, workload=kv["workload"], params=params, rep=args.rep,
                       timeout=args.timeout, mode=args.mode, run_id=args.run_id, words=words)
    plat = platmod.Platform(args.platform, args.mode, runner=args.runner, image=args.image)
    try:
        plat.check_image()
    except platmod.PlatformError as e:
        raise Fail(str(e)) from None
    sha = plat.image_sha256()
    if args.image_sha256 and sha != args.image_sha256:
        raise Fail(f"run-one: {plat.image} has sha256 {sha[:12]}, the export was made "
                   f"with {args.image_sha256[:12]}: refusing to mix builds", 2)
    sup = execute.Supervisor()
    signal.signal(signal.SIGTERM, _sigterm)
    try:
        o = execute.execute(plat, run, args.out, sup, sha, results.host_info())
    except KeyboardInterrupt:
        sup.interrupt()
        return 130
    print(f"{run.run_id}: {o['status']}" + (f" ({o['reason']})" if o["reason"] else ""))
    return 0 if o["status"] == "ok" else 1


def cmd_merge(args):
    work = args.dirs[0]
    state, runs = results.load_work(work)
    planned = {r.run_id: r for r in runs}
    for src in args.dirs:
        for rid, o in execute.finished(src).items():
            if rid in planned and o["run"]["words"] != planned[rid].words:
                raise Fail(f"{src}: {rid} ran with {' '.join(o['run']['words'])}, "
                           f"the plan says {' '.join(planned[rid].words)}")
    try:
        final, meta = results.publish(work, args.results, state, runs, sources=args.dirs,
                                      allow_missing=args.allow_missing,
                                      analysis=not args.no_analysis, plots=not args.no_plots,
                                      meta_extra={"merged_from": [os.path.abspath(d) for d in args.dirs]})
    except results.ResultsError as e:
        raise Fail(f"merge: {e}" + ("" if args.allow_missing else
                                    " (--allow-missing records them as failed)")) from None
    report(final, meta)
    return 0


# --- captures and tables ----------------------------------------------------

def from_capture(path, show_samples=False):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise Fail(f"{path}: {e.strerror}") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise Fail(f"{path}: damaged gzip ({e}); try `zcat` to recover what is there") from None
    ok = False
    for title, body in execute.split_capture(data):
        cap = stream.parse(body)
        print(f"== {title}")
        for f in cap.frames:
            s = f.samples
            print(f"  frame line {f.line}: {f.workload} metric={f.metric} n={len(s)} "
                  f"min={min(s) if s else '-'} max={max(s) if s else '-'} "
                  f"unit={f.header['unit']} counter={f.header['counter']} "
                  f"params={stream.canonical_params(f.params)}")
            if show_samples:
                print("    " + " ".join(str(v) for v in s))
        for w in cap.workloads:
            print(f"  workload (line {w[0]}): {w[1]}")
        if cap.info:
            print("  info: " + " ".join(f"{k}={v}" for k, v in cap.info.items()))
        for p in cap.problems:
            print(f"  problem: {p}")
        print(f"  DONE: {cap.done or '(none)'}; stream "
              + ("ok" if cap.ok else "REJECTED") + f"; {len(cap.frames)} frame(s) accepted")
        ok = cap.ok
    return 0 if ok else 1


def cmd_side_by_side(args):
    from . import sidebyside
    try:
        text, out = sidebyside.run(args.virt_dir, args.lv_dir, args.results, args.write)
    except sidebyside.SideBySideError as e:
        raise Fail(str(e), 2) from None
    sys.stdout.write(text)
    if out:
        print(f"side by side: {os.path.relpath(out)}")
    return 0


def cmd_table(args):
    table.print_table(args.dir, sys.stdout)
    return 0


# --- the command line ---------------------------------------------------------

def seconds(text):
    """A finite, positive number of seconds (argparse type)."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a timeout must be finite and more than 0")
    return v


def parser():
    ap = argparse.ArgumentParser(prog="bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from-capture", metavar="FILE", help="re-parse a capture and print it")
    ap.add_argument("--samples", action="store_true", help="with --from-capture: print samples")
    sub = ap.add_subparsers(dest="cmd")

    def common(p, sweep="?"):
        if sweep:
            p.add_argument("sweep", nargs=sweep, help="sweep file (TOML)")
        p.add_argument("--platform", choices=sweepmod.PLATFORMS, help="override the sweep's platform")
        p.add_argument("--mode", choices=sweepmod.MODES, help="override the sweep's mode")
        p.add_argument("--runner", metavar="EXE",
                       help="run EXE <words> instead of QEMU or the Linux runner (tests)")
        p.add_argument("--image", metavar="FILE",
                       help="this kernel image (virt) or Linux runner, as is (no build)")
        p.add_argument("--no-build", action="store_true", help="do not call make first")
        p.add_argument("--cache-dir", default=DEFAULT_CACHE, help="registry cache")
        p.add_argument("--max-runs", type=int, metavar="N",
                       help=f"allow a sweep of up to N runs (default cap "
                            f"{sweepmod.MAX_RUNS}, or the sweep's max_runs)")

    p = sub.add_parser("run", help="run a sweep")
    common(p)
    p.add_argument("-j", "--jobs", type=int, default=0, help="parallel runs (default: cores)")
    p.add_argument("--results", default=DEFAULT_RESULTS, help="where results directories go")
    p.add_argument("--resume", metavar="DIR", help="finish an interrupted sweep")
    p.add_argument("--fresh", action="store_true", help="never resume automatically")
    p.add_argument("--no-analysis", action="store_true", help="no summary, plots or report")
    p.add_argument("--no-plots", action="store_true", help="summary only, no plots or report")
    p.set_defaults(fn=cmd_run)

    p = sub.add_parser("check", help="validate a sweep, run nothing")
    common(p, sweep=None)
    p.add_argument("sweep")
    p.set_defaults(fn=cmd_check)

    p = sub.add_parser("list", help="the image's workloads")
    common(p, sweep=None)
    p.set_defaults(fn=cmd_list)

    p = sub.add_parser("export", help="one command per run, for parallel or Slurm")
    common(p, sweep=None)
    p.add_argument("sweep")
    p.add_argument("--dir", required=True, help="export directory (new or empty)")
    p.set_defaults(fn=cmd_export)

    p = sub.add_parser("run-one", help="one run (what export's commands call)")
    p.add_argument("--out", required=True)
    p.add_argument("--run-id", required=True)
    p.add_argument("--config", type=int, required=True)
    p.add_argument("--rep", type=int, required=True)
    p.add_argument("--timeout", type=seconds, required=True)
    p.add_argument("--platform", choices=sweepmod.PLATFORMS, required=True)
    p.add_argument("--mode", choices=sweepmod.MODES, required=True)
    p.add_argument("--image", help="the image (default: the platform's build output)")
    p.add_argument("--image-sha256", help="refuse to run another image")
    p.add_argument("--runner", metavar="EXE")
    p.add_argument("words", nargs="+")
    p.set_defaults(fn=cmd_run_one)

    p = sub.add_parser("merge", help="publish an export's outcomes as one results directory")
    p.add_argument("dirs", nargs="+", help="the export directory, then more output directories")
    p.add_argument("--results", default=DEFAULT_RESULTS)
    p.add_argument("--allow-missing", action="store_true",
                   help="record runs without an outcome as failed instead of refusing")
    p.add_argument("--no-analysis", action="store_true")
    p.add_argument("--no-plots", action="store_true")
    p.set_defaults(fn=cmd_merge)

    p = sub.add_parser("side-by-side", help="the ipclab kernel and Linux on the same machine, "
                       "in instructions (--write: into the linux-virt directory's side-by-side.md)")
    p.add_argument("virt_dir", nargs="?", help="a virt results directory (default: the newest "
                   "*-default under --results)")
    p.add_argument("lv_dir", nargs="?", help="a linux-virt results directory (default: the "
                   "newest *-linux-virt)")
    p.add_argument("--results", default=DEFAULT_RESULTS, help="where to look without directories")
    p.add_argument("--write", action="store_true", help="also write it as side-by-side.md into "
                   "the linux-virt directory (make bench does, for the directories it made)")
    p.set_defaults(fn=cmd_side_by_side)

    p = sub.add_parser("table", help="print the summary table of a results directory")
    p.add_argument("dir")
    p.set_defaults(fn=cmd_table)
    return ap


def main(argv=None):
    ap = parser()
    args = ap.parse_args(argv)
    try:
        if args.from_capture:
            return from_capture(args.from_capture, args.samples)
        if not args.cmd:
            ap.print_help()
            return 2
        return args.fn(args)
    except Fail as e:
        say(str(e))
        return e.status
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except BrokenPipeError:                 # `... | head`: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (results.ResultsError, OSError) as e:
        say(str(e))
        return 1
