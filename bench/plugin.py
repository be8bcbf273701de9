"""The harness side of ipclab's QEMU plugin (plugin/README.md).

    python3 -m bench.plugin profile [--image F] [--plugin SO] WORDS... | --sweep FILE
        one run of a workload (or every run of a sweep file) with the plugin
        loaded, published as a results directory results/<stamp>-profile/
        (the usual files, and plugin/, profile.csv, profile.md,
        plots/profile.png, summary.csv with the footprint rows); what
        `make profile ARGS="..."` (or SWEEP=file) runs
    python3 -m bench.plugin coverage [--image F] [--plugin SO] [--out DIR] [--floor PCT]
        the in-QEMU test suite (-append test, its fuzzer included) on one
        CPU and on two, and the demonstration entered at EL2, with the
        plugin counting every instruction address; then the kernel's lines
        executed per source file (analysis/coverage.py); what `make
        coverage` runs

The plugin is added to the QEMU command line of qemu.json (mk/qemu.mk) as
one more option, `-plugin SO,out=FILE,mode=MODE`, after everything the
one definition composes: the command a run is measured with is otherwise
unchanged.  A PluginPlatform is a Platform whose runs carry that option;
bench/execute.py starts every run with its platform's run_argv().  A sweep asks for it
with `plugin = "profile"` (bench/sweep.py; bench/cli.py then runs it on a
PluginPlatform, and bench/results.py keeps each run's output and writes
the profile when it publishes).

Everything that reaches the plugin is checked here first (an option QEMU
would split, a mode it does not know), and the plugin checks its arguments
again and refuses to load, so QEMU exits with an error: a run never goes on
uninstrumented.  Its output ends with an `E` line; a cut or malformed file
is an error, never an empty profile.
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile

from . import execute, platform as platmod, results, schema
from . import sweep as sweepmod

ROOT = platmod.ROOT
PLUGIN_SO = os.path.join(platmod.BUILD, "plugin", "libipclab.so")
MODES = ("profile", "coverage")
FORMAT_HEAD = re.compile(r"ipclab-plugin 1 mode=(profile|coverage) line=(\d+)\Z")


class PluginError(RuntimeError):
    pass


def plugin_option(so, out, mode):
    """['-plugin', 'SO,out=OUT,mode=MODE'], refusing what QEMU would misread."""
    if mode not in MODES:
        raise PluginError(f"plugin mode {mode!r}: expected one of {', '.join(MODES)}")
    for what, v in (("plugin library", so), ("plugin output", out)):
        if not v or "," in v or "=" in os.path.basename(v):
            raise PluginError(f"{what} path {v!r}: QEMU's -plugin option cannot carry it "
                              f"(no commas, no '=' in the name)")
    return ["-plugin", f"{so},out={out},mode={mode}"]


def plugin_for(image=None):
    """The plugin of the build an image comes from: <BUILD>/plugin/ beside its
    <BUILD>/kernel/; without an image (or no plugin there), the tree's build/."""
    if image:
        so = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(image))),
                          "plugin", os.path.basename(PLUGIN_SO))
        if os.path.isfile(so):
            return so
    return os.path.join(ROOT, PLUGIN_SO)


class PluginPlatform(platmod.Platform):
    """virt with the plugin loaded; each run's output goes to <outdir>/plugin/<run_id>.txt."""

    def __init__(self, mode, so, plugin_mode="profile", **kw):
        super().__init__("virt", mode, **kw)
        self.plugin_so = os.path.abspath(so)
        self.plugin_mode = plugin_mode
        plugin_option(self.plugin_so, "/x", plugin_mode)     # checked before any run

    def build(self):
        """The image (Platform.build), then the plugin with make."""
        super().build()
        if self.runner or self.fixed_image:
            return
        r = subprocess.run(["make", "-s", "-C", self.root, "--no-print-directory", "plugin"],
                           stdout=sys.stderr)
        if r.returncode != 0:
            raise platmod.PlatformError(f"`make plugin` failed (status {r.returncode})")

    def check_image(self):
        super().check_image()
        if not os.path.isfile(self.plugin_so):
            raise platmod.PlatformError(f"no plugin at {self.plugin_so} (run `make plugin`)")

    def run_argv(self, run, outdir):
        d = os.path.join(outdir, schema.PLUGIN_DIR)
        os.makedirs(d, exist_ok=True)
        out = os.path.join(outdir, schema.plugin_path(run.run_id))
        return super().run_argv(run, outdir) + plugin_option(self.plugin_so, out, self.plugin_mode)

    def describe(self):
        d = super().describe()
        d["plugin"] = {"library": self._rel(self.plugin_so), "mode": self.plugin_mode,
                       "sha256": platmod.file_sha256(self.plugin_so)}
        return d


# --- the plugin's output ---------------------------------------------------------

class Output:
    """A parsed plugin output file."""

    def __init__(self, mode, line, total):
        self.mode, self.line, self.total = mode, line, total
        self.kinds = {}         # kind id -> dict(start, end, insns, count, other)
        self.tuples = {}        # kind id -> [(count, [8 stats])]
        self.pcs = {}           # kind id -> {pc: instructions}
        self.coverage = {}      # pc -> times executed


def parse_output(path):
    """Read a plugin output file; PluginError names the line that is wrong."""
    try:
        with open(path, errors="replace") as f:
            lines = f.read().split("\n")
    except OSError as e:
        raise PluginError(f"{path}: cannot read the plugin's output: {e.strerror}") from None
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise PluginError(f"{path}: empty: the plugin wrote nothing (QEMU did not exit "
                          f"normally?)")
    m = FORMAT_HEAD.match(lines[0])
    if not m:
        raise PluginError(f"{path}: line 1: not an ipclab plugin output ({lines[0][:60]!r})")
    if lines[-1] != "E":
        raise PluginError(f"{path}: no `E` line at the end: the output is cut (QEMU killed?)")
    out = None
    for n, text in enumerate(lines[1:-1], start=2):
        w = text.split()
        try:
            if w[0] == "T" and len(w) == 2 and out is None:
                out = Output(m.group(1), int(m.group(2)), int(w[1]))
            elif out is None:
                raise ValueError("the T line must come first")
            elif w[0] == "K" and len(w) == 7:
                k = int(w[1])
                out.kinds[k] = {"start": int(w[2], 16), "end": int(w[3], 16),
                                "insns": int(w[4]), "count": int(w[5]), "other": int(w[6])}
            elif w[0] == "F" and len(w) == 11:
                out.tuples.setdefault(int(w[1]), []).append((int(w[2]), [int(x) for x in w[3:]]))
            elif w[0] == "P" and len(w) == 4:
                out.pcs.setdefault(int(w[1]), {})[int(w[2], 16)] = int(w[3])
            elif w[0] == "C" and len(w) == 3:
                out.coverage[int(w[1], 16)] = int(w[2])
            else:
                raise ValueError("unknown record")
        except (ValueError, IndexError) as e:
            raise PluginError(f"{path}: line {n}: cannot read {text[:80]!r}: {e}") from None
    if out is None:
        raise PluginError(f"{path}: no T line")
    return out


# --- profile: one run with the plugin, published --------------------------------

def words_to_sweep(words, timeout=120):
    """The TOML of a one-run sweep of `workload=W k=v ...` (exact mode, one repetition)."""
    kv = {}
    for w in words:
        k, sep, v = w.partition("=")
        if not sep or not schema.KEY.match(k) or not v or any(c in v for c in "\"\\\n"):
            raise PluginError(f"{w!r}: expected key=value words (workload=NAME first)")
        if k in kv:
            raise PluginError(f"{k} given twice")
        kv[k] = v
    workload = kv.pop("workload", None)
    if not workload:
        raise PluginError("no workload=NAME among the words")
    if "mode" in kv:
        raise PluginError("mode=: a profile runs in exact mode only (one tick per instruction)")
    params = ", ".join(f"{k} = {v}" if re.fullmatch(r"-?[0-9]+", v) else f'{k} = "{v}"'
                       for k, v in kv.items())
    return (f'name = "profile"\nplatform = "virt"\nmode = "exact"\nrepetitions = 1\n'
            f'timeout = {timeout}\n\n[[run]]\nworkload = "{workload}"\nparams = {{ {params} }}\n')


def plan(words, image, cache_dir, timeout=120, name="profile"):
    """(sweep, runs) of one run of `words` on `image`, checked against its registry."""
    from . import cli        # the registry and its cache: the harness's own
    plain = platmod.Platform("virt", "exact", image=image)
    try:
        plain.check_image()
    except platmod.PlatformError as e:
        raise PluginError(str(e)) from None
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"{name}.toml")
        with open(path, "w") as f:
            f.write(words_to_sweep(words, timeout).replace('name = "profile"', f'name = "{name}"'))
        try:
            sw = sweepmod.load(path)
            reg = cli.get_registry(plain, cache_dir, plain.image_sha256())
            sweepmod.check_against(sw, reg)
        except (sweepmod.SweepError, cli.Fail) as e:
            raise PluginError(str(e)) from None
    return sw, sweepmod.expand(sw, reg)


def run_profile(words, image, so, results_root, cache_dir, timeout=120, sweep_path=None,
                jobs=None):
    """Run the workload once (or every run of a sweep file) with the plugin;
    returns the published results directory."""
    from . import cli
    plat = PluginPlatform("exact", so, "profile", image=image)
    try:
        plat.check_image()
    except platmod.PlatformError as e:
        raise PluginError(str(e)) from None
    sha = plat.image_sha256()
    if sweep_path:
        try:
            sw = sweepmod.load(sweep_path, platform="virt", mode="exact")
            reg = cli.get_registry(platmod.Platform("virt", "exact", image=image), cache_dir, sha)
            sweepmod.check_against(sw, reg)
        except (sweepmod.SweepError, cli.Fail) as e:
            raise PluginError(str(e)) from None
        runs = sweepmod.expand(sw, reg)
    else:
        sw, runs = plan(words, image, cache_dir, timeout)
    state = cli.new_state(sw, plat, sha, sys.argv)
    work = results.create(results_root, sw, state, runs)
    sup = execute.Supervisor()
    host = results.host_info()
    jobs = jobs or min(len(runs), os.cpu_count() or 1)
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        outcomes = list(ex.map(lambda r: execute.execute(plat, r, work, sup, sha, host), runs))
    # publish copies plugin/ and writes the profile (results.assemble, analyse)
    final, meta = results.publish(work, results_root, state, runs, analysis=True, plots=False)
    results.discard(work)
    failed = [o for o in outcomes if o["status"] != "ok"]
    if failed:
        raise PluginError(f"{len(failed)} of {len(runs)} runs failed: "
                          + "; ".join(f"{o['run']['run_id']}: {o['reason']}" for o in failed[:3])
                          + f" (results: {final})")
    note = meta.get("analysis", {}).get("profile")
    if note != "written":
        raise PluginError(f"the profile of {final}: {note or 'not written (no plugin output)'}")
    return final


# --- coverage: the in-QEMU suite with the plugin ---------------------------------

# What `make coverage` boots: the in-QEMU suite (its fuzzer included) on one
# CPU and on two (the SMP tests and paths run only there), and the
# demonstration entered at EL2 (the drop to EL1), each as make's own tests
# boot them (kernel/test/test.mk): (name, words, CPUs, entry level).
COVERAGE_BOOTS = (("test-1cpu", "test", None, "el1"), ("test-2cpu", "test", 2, "el1"),
                  ("demo-el2", "", None, "el2"))


def coverage_argv(plat, words, cpus, entry, out):
    """One boot's argv: qemu.json's, on `cpus` CPUs entered at `entry`, with the plugin."""
    try:
        argv = platmod.qemu_argv(plat.qemu(), plat.mode, plat.image, [words] if words else [""],
                                 cpus=cpus or 1, entry=entry)
    except platmod.PlatformError as e:
        raise PluginError(str(e)) from None
    return argv + plugin_option(plat.plugin_so, out, "coverage")


def run_coverage(image, so, out_dir, boots=COVERAGE_BOOTS, timeout=300):
    """Boot each of `boots` with the plugin in coverage mode, in parallel; returns the outputs."""
    plat = PluginPlatform("exact", so, "coverage", image=image)
    try:
        plat.check_image()
    except platmod.PlatformError as e:
        raise PluginError(str(e)) from None
    out_dir = os.path.abspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    procs = []
    for name, words, cpus, entry in boots:
        out = os.path.join(out_dir, f"coverage-{name}.txt")
        log = os.path.join(out_dir, f"{name}.log")
        argv = coverage_argv(plat, words, cpus, entry, out)
        f = open(log, "wb")
        procs.append((name, words, out, log, f,
                      subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, cwd=ROOT)))
    outputs, problems = [], []
    for name, words, out, log, f, p in procs:
        try:
            status = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            status = None
        f.close()
        with open(log, "rb") as lf:
            text = lf.read().decode(errors="replace").replace("\r", "")
        if status is None:
            problems.append(f"{name}: did not finish within {timeout} s (log: {log})")
        elif status != 0:
            problems.append(f"{name}: QEMU {plat.explain_exit(status)} (log: {log})")
        elif words == "test" and not re.search(r"^[0-9]+ passed, 0 failed$", text, re.M):
            problems.append(f"{name}: no 'N passed, 0 failed' line (log: {log})")
        else:
            outputs.append(out)
    if problems:
        raise PluginError("the boots under the plugin failed: " + "; ".join(problems))
    return outputs


def main(argv=None):
    ap = argparse.ArgumentParser(prog="bench.plugin", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("profile", "coverage"):
        p = sub.add_parser(name)
        p.add_argument("--image", default=os.path.join(ROOT, platmod.KERNEL_IMAGE))
        p.add_argument("--plugin", default=os.path.join(ROOT, PLUGIN_SO))
        if name == "profile":
            p.add_argument("--results", default=os.path.join(ROOT, "results"))
            p.add_argument("--cache-dir", default=os.path.join(ROOT, platmod.BUILD, "bench"))
            p.add_argument("--timeout", type=float, default=120)
            p.add_argument("--sweep", help="every run of this sweep file instead of WORDS")
            p.add_argument("words", nargs="*")
        else:
            p.add_argument("--out", default=os.path.join(ROOT, platmod.BUILD, "coverage"))
            p.add_argument("--floor", type=float, default=None, metavar="PERCENT",
                           help="fail (status 1) when the kernel's line coverage is below it")
    args = ap.parse_args(argv)
    from analysis import coverage, profile
    try:
        if args.cmd == "profile":
            if bool(args.words) == bool(args.sweep):
                ap.error("profile: give the words of one run or --sweep FILE")
            final = run_profile(args.words, args.image, args.plugin, args.results,
                                args.cache_dir, args.timeout, args.sweep)
            profile.write_profile(final, sys.stdout)
            print(f"results: {os.path.relpath(final)}")
        else:
            outputs = run_coverage(args.image, args.plugin, args.out)
            hit, lines = coverage.report(args.image, outputs, args.out, sys.stdout)
            if args.floor is not None and 100 * hit < args.floor * lines:
                print(f"kernel line coverage {100 * hit / lines:.1f}% ({hit} of {lines} lines) "
                      f"is below the floor of {args.floor:g}% (plugin/plugin.mk COVERAGE_FLOOR): "
                      f"a test stopped reaching kernel code, or new code no test reaches "
                      f"({os.path.join(args.out, 'coverage.md')} lists the lines)")
                return 1
    except (PluginError, profile.ProfileError, coverage.CoverageError) as e:
        print(f"bench.plugin: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
