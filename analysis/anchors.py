"""seL4's figures on the same emulated machine: the reference marks of the plots.

This module is the one place in the repository that holds them.  How they
were measured is in docs/anchors.md; in short: seL4 and sel4bench of March
2026 (AArch64, qemu-arm-virt platform, release build, fast path on, one
core, non-MCS), run under QEMU 7.2 on the virt machine with a cortex-a53
and icount at shift 0 (docs/anchors.md gives the command line), so that
one count is one retired instruction (user and kernel alike), with
sel4bench's method: one thread reads the cycle
counter at EL0 just before its syscall, the other just after its own
syscall returns; hot (each sample is the last of 16 back-to-back
iterations); the counter read of the same sequence with ``nop`` in place of
``svc`` (OVERHEAD instructions) subtracted.  Every figure is one way, and
had zero spread over its samples except the signal to a higher-priority
waiter, which seL4 reports as a mean with its range.

They compare only with ipclab figures of the same kind: platform virt,
unit instructions, mode exact (``applies``).  ``/usr/bin/python3 -m
analysis.anchors`` prints the table docs/anchors.md shows (a test checks
that the two agree).
"""

import argparse
from collections import namedtuple

# operation: what was measured, in words; workload/metric/params: the ipclab
# configuration it compares with (workload None: no ipclab workload does
# the same work); value: the figure (a mean when lo/hi give a range).
Anchor = namedtuple("Anchor", "operation workload metric params value lo hi label")

UNIT = "instructions"
MODE = "exact"
PLATFORM = "virt"
OVERHEAD = 4  # sel4bench's measured cost of the counter reads around a nop, subtracted

SEL4 = [
    Anchor("Call, client to server (zero-length message; same or different address space)",
           "ep_call", "call", {"words": 0}, 191, None, None, "seL4 Call 191"),
    Anchor("ReplyRecv, server to client (zero-length message)",
           "ep_call", "replyrecv", {"words": 0}, 215, None, None, "seL4 ReplyRecv 215"),
    Anchor("Call, 10-word message (slow path)",
           "ep_call", "call", {"words": 10}, 703, None, None, "seL4 Call, 10 words 703"),
    Anchor("ReplyRecv, 10-word message (slow path)",
           "ep_call", "replyrecv", {"words": 10}, 687, None, None, "seL4 ReplyRecv, 10 words 687"),
    Anchor("Send (slow path, zero-length message)",
           "ep_send", "send", {"words": 0}, 634, None, None, "seL4 Send 634"),
    Anchor("Signal to a higher-priority waiter (thread switch; mean and range)",
           "ntfn_signal", "signal", {"to": "high"}, 566, 497, 635,
           "seL4 signal, higher-prio waiter 566 (497-635)"),
    Anchor("Signal to a lower-priority thread (no switch)",
           "ntfn_signal", "signal", {"to": "low"}, 384, None, None,
           "seL4 signal, lower-prio thread 384"),
    # ipclab tasks may not use FP/SIMD, so nothing here compares with these two.
    Anchor("Call to a server that uses the FPU", None, "call", {}, 243, None, None,
           "seL4 Call, FPU server 243"),
    Anchor("ReplyRecv from a server that uses the FPU", None, "replyrecv", {}, 267, None, None,
           "seL4 ReplyRecv, FPU server 267"),
]


def applies(platform, unit, mode):
    """True when figures in this unit can stand next to the seL4 ones."""
    return platform == PLATFORM and unit == UNIT and mode == MODE


def for_workload(workload):
    """The anchors of one workload."""
    return [a for a in SEL4 if a.workload == workload]


def markdown_table():
    """The figures as the Markdown table of docs/anchors.md."""
    lines = ["| operation (one way) | seL4, instructions | ipclab configuration it compares with |",
             "| --- | ---: | --- |"]
    for a in SEL4:
        value = f"{a.value} ({a.lo} to {a.hi})" if a.lo is not None else str(a.value)
        if a.workload:
            params = " ".join(f"{k}={v}" for k, v in a.params.items())
            where = f"`{a.workload}` metric `{a.metric}`" + (f", `{params}`" if params else "")
        else:
            where = "none (ipclab tasks do not use FP/SIMD)"
        lines.append(f"| {a.operation} | {value} | {where} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.parse_args(argv)
    print(markdown_table(), end="")


if __name__ == "__main__":
    main()
