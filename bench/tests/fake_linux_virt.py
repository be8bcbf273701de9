#!/usr/bin/python3
"""A fake QEMU for the linux-virt boot-group tests: reads the -append value as
QEMU would hand it to Linux, and prints what linux-virt/init.c prints: a BOOT
line, then for each double-quoted argument after `--` a RUN line, the run's
stream (fake_runner.py, in a child process, as init forks one per run), an
END line with the child's exit status or signal, and POWEROFF.

Workloads beyond fake_runner's:
  panic   prints a kernel panic and ends the boot (QEMU exits 0: -no-reboot)
  swap    prints the RUN line with other words than it was given
  hugeend its END line carries an exit status of 5000 digits
  hugerun a RUN line of its own with an index of 5000 digits, then its run
$FAKE_LV_LOG, when set, gets one line per boot (the words of each run, ' | ').
"""

import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def runs_of(append):
    _, sep, rest = append.partition(" -- ")
    if not sep:
        return []
    return re.findall(r'"([^"]*)"', rest)


def main(argv):
    append = argv[argv.index("-append") + 1]
    runs = runs_of(append)
    if os.environ.get("FAKE_LV_LOG"):
        with open(os.environ["FAKE_LV_LOG"], "a") as f:
            f.write(" | ".join(runs) + "\n")
    out = sys.stdout
    out.write("[    0.000000] Booting Linux on physical CPU 0x0000000000\n")
    out.write(f"LINUX-VIRT BOOT runs={len(runs)} kernel=fake rng_seed=absent cpus=1\n")
    out.flush()
    env = dict(os.environ, FAKE_PLATFORM="linux-virt")
    for i, words in enumerate(runs):
        wl = dict(w.split("=", 1) for w in words.split() if "=" in w).get("workload")
        shown = words.replace("seed=", "seed=9") if wl == "swap" else words
        out.write(f"LINUX-VIRT RUN {i} {shown}\n")
        out.flush()
        if wl == "panic":
            out.write("[    0.812345] Kernel panic - not syncing: Attempted to kill init! "
                      "exitcode=0x0000000b\n")
            out.write("[    0.812400] ---[ end Kernel panic - not syncing ]---\n")
            return 0
        if wl == "hugerun":
            out.write(f"LINUX-VIRT RUN {'9' * 5000} {words}\n")
        if wl == "swap":
            words = words.replace("workload=swap", "workload=echo")
        p = subprocess.run([sys.executable, os.path.join(HERE, "fake_runner.py")]
                           + words.split(), env=env, timeout=300)
        end = f"signal={-p.returncode}" if p.returncode < 0 else f"exit={p.returncode}"
        if wl == "hugeend":
            end = "exit=" + "9" * 5000
        out.write(f"LINUX-VIRT END {i} {end}\n")
        out.flush()
    out.write("LINUX-VIRT POWEROFF\n[    0.900000] reboot: Power down\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
