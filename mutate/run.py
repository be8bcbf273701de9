"""Apply a catalogue of realistic bugs to ipclab, one at a time, and check that
the smallest test target that should notice each one fails.

    /usr/bin/python3 mutate/run.py [-j N] [--only ID ...] [--list] [--catalogue FILE]

Each mutation (mutate/catalogue.toml) names a file, an exact text that must
occur in it exactly once, its replacement, and the make target that should
fail.  The tree is never touched: the tree's files (tracked, or new and not ignored) are copied into work
copies under build/mutate/ (one per parallel job), each target is run once
unmutated there (it must pass, or nothing can be concluded), then each
mutation is applied, its target run, and the file restored.  A mutation is

    killed    the target failed (the tests noticed)
    survived  the target passed (a hole in the tests)
    stale     its text is not in the file exactly once (the code moved on:
              the catalogue needs updating)
    broken    the mutated tree does not compile (a bad catalogue entry)

The kill rate is killed / (killed + survived); the command exits 0 only when
every mutation is killed (none survived, stale, broken or not run).  A report is written to
build/mutate/report.txt.
"""

import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys
import time
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "build", "mutate")
FIELDS = {"id", "file", "find", "replace", "target", "why"}
TIMEOUT_S = 900
# A mutation the compiler or interpreter rejects tests nothing.
BROKEN_SIGNS = (": error: ", "SyntaxError:", "IndentationError:", "undefined reference to")


class CatalogueError(ValueError):
    pass


def load_catalogue(path):
    with open(path, "rb") as f:
        try:
            data = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise CatalogueError(f"{path}: {e}") from None
    muts = data.get("mutation")
    if not isinstance(muts, list) or not muts:
        raise CatalogueError(f"{path}: no [[mutation]] entries")
    seen = set()
    for i, m in enumerate(muts, 1):
        where = f"{path}: mutation {i}"
        missing = FIELDS - set(m)
        extra = set(m) - FIELDS
        if missing:
            raise CatalogueError(f"{where}: missing {', '.join(sorted(missing))}")
        if extra:
            raise CatalogueError(f"{where}: unknown {', '.join(sorted(extra))}")
        for k in FIELDS:
            if not isinstance(m[k], str) or (k != "replace" and not m[k]):
                raise CatalogueError(f"{where}: {k} must be a non-empty string")
        if m["id"] in seen:
            raise CatalogueError(f"{where}: id {m['id']!r} used twice")
        if m["find"] == m["replace"]:
            raise CatalogueError(f"{where} ({m['id']}): replace equals find")
        seen.add(m["id"])
    return muts


def tracked_files():
    out = subprocess.run(["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], check=True,
                         capture_output=True, timeout=60).stdout
    # results/ included: the analysis tests draw the committed results too
    return [p for p in out.decode().split("\0") if p]


def make_copy(dest):
    """A copy of the tree's files (tracked, or new and not ignored) as they
    are in the working tree now; a copy made before keeps its build/ (warm
    objects) and gets every changed file afresh."""
    for rel in tracked_files():
        src = os.path.join(ROOT, rel)
        if not os.path.exists(src):
            continue
        dst = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if not os.path.exists(dst) or open(src, "rb").read() != open(dst, "rb").read():
            shutil.copy2(src, dst)
            os.utime(dst)  # newer than any object built from an older copy
    # The copy is a git repository of its own holding the same files (not
    # committed): the checks that ask git for the tree's files
    # (mk/check-contracts.sh) see the copy, not the repository the copy
    # happens to lie in (where build/ is ignored and they find nothing).
    git = ["git", "-C", dest]
    if not os.path.isdir(os.path.join(dest, ".git")):
        subprocess.run(git + ["init", "-q"], check=True, timeout=60)
    subprocess.run(git + ["add", "-A"], check=True, timeout=300)


def run_target(copy, target, log):
    t0 = time.monotonic()
    # Each copy builds into its own build/: the build directory make exports
    # (IPCLAB_BUILD) is the tree's, never the copy's.
    env = {k: v for k, v in os.environ.items() if k != "IPCLAB_BUILD"}
    try:
        r = subprocess.run(["make", "-C", copy, "--no-print-directory", "BUILD=build", target],
                           stdout=log, stderr=subprocess.STDOUT, timeout=TIMEOUT_S, env=env)
        status = r.returncode
    except subprocess.TimeoutExpired:
        status = "timeout"
    return status, time.monotonic() - t0


def apply_one(copy, m, logdir):
    path = os.path.join(copy, m["file"])
    try:
        with open(path, encoding="utf-8") as f:
            original = f.read()
    except OSError as e:
        return "stale", f"cannot read {m['file']}: {e.strerror}", 0.0
    n = original.count(m["find"])
    if n != 1:
        return "stale", f"text occurs {n} times in {m['file']}", 0.0
    with open(os.path.join(logdir, m["id"] + ".log"), "w") as log:
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original.replace(m["find"], m["replace"]))
            status, secs = run_target(copy, m["target"], log)
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original)
    if status == 0:
        return "survived", f"make {m['target']} passed", secs
    with open(os.path.join(logdir, m["id"] + ".log"), errors="replace") as log:
        text = log.read()
    if any(sign in text for sign in BROKEN_SIGNS):
        return "broken", "the mutated tree does not build (not a test of the tests)", secs
    how = "timed out" if status == "timeout" else f"failed (status {status})"
    return "killed", f"make {m['target']} {how}", secs


def worker(k, muts, logdir, results, print_line):
    copy = os.path.join(WORK, f"tree{k}")
    make_copy(copy)
    for target in sorted({m["target"] for m in muts}):
        with open(os.path.join(logdir, f"baseline{k}-{target}.log"), "w") as log:
            status, secs = run_target(copy, target, log)
        if status != 0:
            for m in muts:
                if m["target"] == target:
                    results[m["id"]] = ("error", f"make {target} fails unmutated", 0.0)
            print_line(f"[tree{k}] baseline make {target} FAILED: see {log.name}")
    for m in muts:
        if m["id"] in results:
            continue
        results[m["id"]] = apply_one(copy, m, logdir)
        verdict, why, secs = results[m["id"]]
        print_line(f"{verdict:9} {m['id']:34} {why} ({secs:.0f} s)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--catalogue", default=os.path.join(ROOT, "mutate", "catalogue.toml"))
    ap.add_argument("-j", type=int, default=2, help="work copies run in parallel (default 2)")
    ap.add_argument("--only", nargs="+", metavar="ID", help="run these mutations only")
    ap.add_argument("--list", action="store_true", help="list the catalogue and exit")
    args = ap.parse_args(argv)
    try:
        muts = load_catalogue(args.catalogue)
    except (OSError, CatalogueError) as e:
        print(f"mutate: {e}", file=sys.stderr)
        return 2
    if args.only:
        unknown = set(args.only) - {m["id"] for m in muts}
        if unknown:
            print(f"mutate: no mutation {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        muts = [m for m in muts if m["id"] in args.only]
    if args.list:
        for m in muts:
            print(f"{m['id']:34} {m['target']:22} {m['file']}: {m['why']}")
        return 0
    if args.j < 1:
        print("mutate: -j must be at least 1", file=sys.stderr)
        return 2
    logdir = os.path.join(WORK, "logs")
    os.makedirs(logdir, exist_ok=True)
    # One target's mutations stay in one copy, so its build stays warm.
    by_target = {}
    for m in muts:
        by_target.setdefault(m["target"], []).append(m)
    jobs = [[] for _ in range(min(args.j, len(by_target)))]
    for target in sorted(by_target, key=lambda t: -len(by_target[t])):
        min(jobs, key=len).extend(by_target[target])
    results = {}
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(len(jobs)) as pool:
        futs = [pool.submit(worker, k, job, logdir, results,
                            lambda s: print(s, flush=True)) for k, job in enumerate(jobs)]
        for f in futs:
            f.result()
    counts = {v: 0 for v in ("killed", "survived", "stale", "broken", "error")}
    for m in muts:
        counts[results[m["id"]][0]] += 1
    judged = counts["killed"] + counts["survived"]
    rate = f"{100 * counts['killed'] / judged:.0f}%" if judged else "n/a"
    lines = [f"mutate: {counts['killed']} of {judged} mutations killed ({rate}); "
             f"{counts['stale']} stale, {counts['broken']} broken, "
             f"{counts['error']} not run (baseline failed); "
             f"{time.monotonic() - t0:.0f} s"]
    for verdict in ("survived", "stale", "broken", "error"):
        for m in muts:
            if results[m["id"]][0] == verdict:
                lines.append(f"  {verdict}: {m['id']} ({m['file']}): {m['why']} -- {results[m['id']][1]}")
    report = "\n".join(lines) + "\n"
    with open(os.path.join(WORK, "report.txt"), "w") as f:
        for m in muts:
            v, why, secs = results[m["id"]]
            f.write(f"{v:9} {m['id']:34} {m['target']:22} {why} ({secs:.0f} s)\n")
        f.write(report)
    print(report, end="")
    bad = counts["survived"] + counts["stale"] + counts["broken"] + counts["error"]
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
