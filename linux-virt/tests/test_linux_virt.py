"""linux-virt end to end: Debian's Linux booted under the one QEMU definition.

Each test boots the real kernel with the real initramfs (make linux-virt
builds them; $LINUX_VIRT_QEMU_JSON names the qemu.json, default
build/linux-virt/qemu.json) through the harness, as `make bench` does.
"""

import csv
import gzip
import io
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(HERE))

from bench import execute, platform as platmod, registry as regmod, stream, sweep as sweepmod  # noqa: E402

import mkinitramfs  # noqa: E402

QEMU_JSON = os.path.join(ROOT, platmod.LINUX_VIRT_JSON)
BUILD = os.path.dirname(QEMU_JSON)

if not os.path.isfile(QEMU_JSON):
    pytest.skip(f"{QEMU_JSON} missing: `make linux-virt` builds it", allow_module_level=True)


def bench(*args):
    r = subprocess.run([sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True,
                       text=True, timeout=600)
    return r


def read_csv(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", newline="") as f:
        return list(csv.DictReader(f))


def run_sweep(tmp_path, text, name="lv-test", image=QEMU_JSON, results=None):
    p = tmp_path / f"{name}.toml"
    p.write_text(f'name = "{name}"\nplatform = "linux-virt"\nmode = "exact"\n' + text)
    res = results or tmp_path / "results"
    r = bench("run", str(p), "--image", image, "--results", str(res), "--no-analysis",
              "--fresh", "--cache-dir", str(tmp_path / "cache"))
    assert r.returncode == 0, r.stdout + r.stderr
    d = os.path.join(res, sorted(x for x in os.listdir(res) if not x.startswith("."))[-1])
    return d, {row["run_id"]: row for row in read_csv(os.path.join(d, "runs.csv"))}


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    plat = platmod.Platform("linux-virt", "exact", image=QEMU_JSON)
    r = subprocess.run(plat.command(["workload=list"]), cwd=ROOT, capture_output=True,
                       timeout=120)
    return regmod.parse_registry(stream.parse(r.stdout))


def test_every_workload_runs_a_short_exchange(tmp_path, registry):
    """Every workload of the runner's registry, each ring
    variant with each waker, a short exchange; the runner checks every
    message's content and order, so an ok run is a checked one."""
    assert {"null_syscall", "yield", "pipe", "fifo", "unix_stream", "unix_dgram", "eventfd",
            "futex", "mq", "ring_pingpong", "ring_throughput"} <= set(registry)
    short = "iterations = 20, warmup = 2"
    entries = []
    for name, params in registry.items():
        if name == "cacheline":         # two CPUs by definition: see the next test
            continue
        extra = ""
        if "placement" in params:
            extra += ', placement = "same"'
        if name == "ring_pingpong":
            # every variant that runs between two processes with every wake-up
            # (mpsc/mpmc are many-producer rings: their own workloads)
            variants = [v for v in params["variant"].words if not v.startswith("mp")]
            extra += ", variant = [" + ", ".join(f'"{v}"' for v in variants) + "]"
        for axis in ("wake", "waker"):
            if axis in params and params[axis].words:
                extra += f", {axis} = [" + ", ".join(f'"{w}"' for w in params[axis].words) + "]"
        if name == "ring_throughput":
            extra += ", msgs = 64"
        entries.append(f'\n[[run]]\nworkload = "{name}"\nparams = {{ {short}{extra} }}\n')
    d, runs = run_sweep(tmp_path, "repetitions = 1\ntimeout = 60\nboot_group = 24\n"
                        + "".join(entries))
    bad = {k: v["reason"] for k, v in runs.items() if v["status"] != "ok"}
    assert not bad
    samples = read_csv(os.path.join(d, "samples.csv.gz"))
    assert {s["workload"] for s in samples} == set(registry) - {"cacheline"}
    assert {(s["platform"], s["unit"], s["mode"]) for s in samples} == \
        {("linux-virt", "instructions", "exact")}
    assert {s["counter"] for s in samples} == {"cntvct"}
    # yield hands over at every call here: the runtime makes both processes
    # SCHED_FIFO at one priority (the policy the runner reports it ran under)
    info = read_csv(os.path.join(d, "info.csv"))
    yields = {r["run_id"] for r in runs.values() if r["workload"] == "yield"}
    assert yields and {(i["run_id"], i["value"]) for i in info if i["key"] == "sched"} == \
        {(y, "fifo") for y in yields}
    # one boot ran several runs: the boot groups of the harness
    first = sorted(runs)[0]
    with gzip.open(os.path.join(d, runs[first]["capture"]), "rt") as f:
        note = [ln for ln in f if ln.startswith("=== boot group:")]
    assert note and f"of {len(runs)} in one boot" in note[0] or \
        int(note[0].split(" of ")[1].split()[0]) > 1


def test_the_in_guest_message_check_is_live(tmp_path):
    """A corrupted reply (the runner's IPCLAB_DEBUG_CORRUPT, given to /init's
    environment on the kernel command line) fails the run, naming it."""
    with open(QEMU_JSON) as f:
        d = json.load(f)
    d["append"] += " IPCLAB_DEBUG_CORRUPT=rep:5"
    img = tmp_path / "qemu.json"
    img.write_text(json.dumps(d))
    _, runs = run_sweep(tmp_path, 'repetitions = 1\ntimeout = 60\n[[run]]\nworkload = "pipe"\n'
                        'params = { placement = "same", iterations = 20, warmup = 0 }\n',
                        image=str(img))
    (r,) = runs.values()
    assert r["status"] == "failed" and "message 5" in r["reason"], r["reason"]


def test_two_cpus_on_a_one_cpu_machine_is_a_failed_run_with_its_reason(tmp_path):
    _, runs = run_sweep(tmp_path, 'repetitions = 1\n[[run]]\nworkload = "cacheline"\n'
                        'params = { iterations = 5 }\n')
    (r,) = runs.values()
    assert r["status"] == "failed" and "placement=cross needs two CPUs" in r["reason"]


def test_a_bad_parameter_is_refused_naming_it(tmp_path, registry):
    p = tmp_path / "bad.toml"
    p.write_text('name = "bad"\nplatform = "linux-virt"\n[[run]]\nworkload = "pipe"\n'
                 'params = { size = 100000 }\n')
    r = bench("check", str(p), "--image", QEMU_JSON, "--cache-dir", str(tmp_path / "cache"))
    assert r.returncode == 2 and "params.size: 100000 is out of range 1..65536" in r.stderr
    # words that reach the guest anyway are refused there, naming them, and
    # the other run of the same boot is not affected
    good, bad, unknown = runs_of(registry, [("null_syscall", "iterations = 5"),
                                            ("pipe", 'placement = "same"'),
                                            ("yield", 'placement = "same"')])
    bad.words = [w if not w.startswith("size=") else "size=100000" for w in bad.words]
    unknown.words = unknown.words[:1] + ["colour=red"] + unknown.words[1:]
    plat = platmod.Platform("linux-virt", "exact", image=QEMU_JSON)
    out = execute.execute_group(plat, [good, bad, unknown], str(tmp_path / "out"),
                                execute.Supervisor(), "x", {})
    assert out[0]["status"] == "ok" and out[0]["frames"][0]["n"] == 5, out[0]["reason"]
    assert out[1]["status"] == "failed" and "size" in out[1]["reason"] \
        and "100000" in out[1]["reason"], out[1]["reason"]
    assert out[2]["status"] == "failed" and "colour" in out[2]["reason"], out[2]["reason"]


def runs_of(registry, entries, timeout=60):
    """Runs as the harness plans them: (workload, params TOML) each, one repetition."""
    text = 'name = "t"\nplatform = "linux-virt"\n' + "".join(
        f'[[run]]\nworkload = "{w}"\nparams = {{ {p} }}\n' for w, p in entries)
    sw = sweepmod.loads(text.encode())
    sweepmod.check_against(sw, registry)
    runs = sweepmod.expand(sw, registry)
    for r in runs:
        r.timeout = timeout
    return runs


def broken_image(tmp_path, init_bytes):
    """A qemu.json booting an initramfs whose /init is init_bytes."""
    archive = mkinitramfs.archive(init_bytes)
    initrd = tmp_path / "broken.cpio.gz"
    initrd.write_bytes(gzip.compress(archive, mtime=0))
    with open(QEMU_JSON) as f:
        d = json.load(f)
    i = d["boot"].index("-initrd")
    d["boot"][i + 1] = str(initrd)
    img = tmp_path / "qemu.json"
    img.write_text(json.dumps(d))
    return str(img)


def test_a_boot_that_panics_is_a_failed_run_with_its_reason(tmp_path, registry):
    # /init that the kernel cannot execute: it finds no working init and panics
    plat = platmod.Platform("linux-virt", "exact",
                            image=broken_image(tmp_path, b"#!/no/such/interpreter\n"))
    runs = runs_of(registry, [("pipe", 'placement = "same", iterations = 5'),
                              ("null_syscall", "iterations = 5")])
    out = execute.execute_group(plat, runs, str(tmp_path / "out"), execute.Supervisor(), "x", {})
    for o in out:
        assert o["status"] == "failed" and not o["frames"]
    # /init never ran, so neither run began; both say why the boot ended
    for o in out:
        assert o["reason"].startswith("not run: the boot ended before it began (kernel panic: "
                                      "Kernel panic - not syncing: No working init found"), \
            o["reason"]
        assert o["attempts"] == 2


def test_a_boot_that_hangs_is_a_failed_run_with_its_reason(tmp_path):
    # a million pipe round trips is ~17 G instructions: far beyond 3 s
    d, runs = run_sweep(tmp_path, 'repetitions = 1\ntimeout = 3\n[[run]]\nworkload = "pipe"\n'
                        'params = { placement = "same", iterations = 1000000 }\n')
    (r,) = runs.values()
    assert r["status"] == "failed" and "timeout after 3 s" in r["reason"], r["reason"]
    assert not read_csv(os.path.join(d, "samples.csv.gz"))


DETERMINISM = """repetitions = 2
timeout = 60
boot_group = 24
[[run]]
workload = "null_syscall"
params = { iterations = 200 }
[[run]]
workload = "yield"
params = { iterations = 200 }
[[run]]
workload = "pipe"
params = { placement = "same", iterations = 200 }
[[run]]
workload = "eventfd"
params = { placement = "same", iterations = 200 }
[[run]]
workload = "ring_pingpong"
params = { placement = "same", iterations = 200 }
"""


def _by_run(samples):
    out = {}
    for s in samples:
        out.setdefault(s["run_id"], []).append((s["metric"], s["i"], s["value"]))
    return out


# Exact mode repeats to the instruction on this platform too: every boot of
# the same boot files and words gives the same samples, in the same order
# (linux-virt/README.md, "Determinism", has what once made boots differ).
def test_exact_mode_repeats_byte_for_byte(tmp_path):
    """Two sweeps, two repetitions each: four boots of the same group."""
    d1, runs1 = run_sweep(tmp_path, DETERMINISM, results=tmp_path / "a")
    d2, runs2 = run_sweep(tmp_path, DETERMINISM, results=tmp_path / "b")
    assert all(r["status"] == "ok" for r in list(runs1.values()) + list(runs2.values()))
    a = _by_run(read_csv(os.path.join(d1, "samples.csv.gz")))
    b = _by_run(read_csv(os.path.join(d2, "samples.csv.gz")))
    assert set(a) == set(b)
    boots = {}
    for runs in (a, b):
        for rid, rows in runs.items():
            boots.setdefault(rid.rsplit("-r", 1)[0], []).append(rows)
    assert len(boots) == 5
    for config, seqs in boots.items():
        assert len(seqs) == 4 and seqs[0], config
        assert all(s == seqs[0] for s in seqs[1:]), config
        # the counter is the guest clock in 16-instruction steps
        assert all(int(v) % 16 == 0 for _, _, v in seqs[0]), config
    # and the samples are not all one value: a ping-pong under Linux varies
    # from round trip to round trip, the same way at every boot
    assert len({v for _, _, v in boots["3-eventfd"][0]}) > 1
    with open(os.path.join(d1, "meta.json")) as f:
        assert json.load(f)["deterministic"] is True
    # the PMU agrees: the guest's perf count of the two processes' own
    # instructions over the measured round trips against the sum of the
    # clock's samples (the clock also counts the scheduler's instructions
    # between perf's switch-out and switch-in, the PMU also the loop's checks)
    info = {}
    for row in read_csv(os.path.join(d1, "info.csv")):
        info.setdefault(row["run_id"], {})[row["key"]] = row["value"]
    pipe = next(rid for rid in a if "-pipe-" in rid)
    perf = int(info[pipe]["perf_instructions"])
    total = sum(int(v) for _, _, v in a[pipe])
    assert 0.9 < total / perf < 1.1, (total, perf)


def test_the_initramfs_is_reproducible_and_the_dtb_has_no_seed():
    init = os.path.join(BUILD, "init.stripped")
    with open(init, "rb") as f:
        data = f.read()
    a, b = mkinitramfs.archive(data), mkinitramfs.archive(data)
    assert a == b
    # nothing of the checkout's place (it was in the runner's debug
    # information and build-id, and a longer path changed the figures),
    # and no symbols in the archive
    with open(os.path.join(BUILD, "init"), "rb") as f:
        assert ROOT.encode() not in f.read()
    assert ROOT.encode() not in a and b".debug_info" not in a
    with open(os.path.join(BUILD, "initramfs.cpio"), "rb") as f:
        assert f.read() == a
    with open(os.path.join(BUILD, "initramfs.cpio.gz"), "rb") as f:
        gz = f.read()
    assert gz[4:8] == b"\0\0\0\0" and gzip.decompress(gz) == a     # gzip -n: no mtime
    # newc: every entry mtime 0, owner root, names sorted
    names, off = [], 0
    while True:
        head = a[off:off + 110]
        assert head[:6] == b"070701"
        fields = [int(head[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        namesize, filesize = fields[11], fields[6]
        name = a[off + 110:off + 110 + namesize - 1].decode()
        if name == "TRAILER!!!":
            break
        assert fields[2] == fields[3] == fields[5] == 0, name      # uid, gid, mtime
        names.append(name)
        off += 110 + namesize
        off += -off % 4
        off += filesize + (-filesize % 4)
    assert names == sorted(names) and {"init", "dev/console"} <= set(names)
    dtb = os.path.join(BUILD, "virt.dtb")
    for prop in ("rng-seed", "kaslr-seed"):
        r = subprocess.run(["fdtget", dtb, "/chosen", prop], capture_output=True, timeout=60)
        assert r.returncode != 0, f"{dtb} still has /chosen/{prop}"
    r = subprocess.run(["fdtget", dtb, "/pl031@9010000", "status"], capture_output=True,
                       text=True, timeout=60)
    assert r.stdout.strip() == "disabled"


def test_the_guest_sees_no_rng_seed(tmp_path):
    plat = platmod.Platform("linux-virt", "exact", image=QEMU_JSON)
    r = subprocess.run(plat.command(["workload=list"]), cwd=ROOT, capture_output=True,
                       timeout=120)
    boot = [ln for ln in r.stdout.decode().splitlines() if ln.startswith("LINUX-VIRT BOOT")]
    assert len(boot) == 1 and "rng_seed=absent" in boot[0] and "cpus=1" in boot[0]
