"""seL4 reference figures drawn on the plots as labelled marks.

Source: /work/shared/ANCHORS.md, "seL4 on the same emulated machine": seL4
(March 2026) with sel4bench, AArch64 qemu-arm-virt, cortex-a53, release build,
fast path on, one core, non-MCS, QEMU 7.2 with -icount shift=0. Each figure is
one way, in instructions (QEMU icount), with sel4bench's measurement overhead
subtracted. They are copied here so the analysis never reads outside the
repository at run time. They compare only with platform virt, unit
instructions, mode exact: the same machine model, counter and method.
"""

from collections import namedtuple

Anchor = namedtuple("Anchor", "workload metric params value lo hi label")

UNIT = "instructions"
MODE = "exact"
PLATFORM = "virt"

# (workload, metric, the parameters it matches, value, range low, range high, label)
SEL4 = [
    Anchor("ep_call", "call", {"words": 0}, 191, None, None, "seL4 Call 191"),
    Anchor("ep_call", "replyrecv", {"words": 0}, 215, None, None, "seL4 ReplyRecv 215"),
    Anchor("ep_call", "call", {"words": 10}, 703, None, None, "seL4 Call, 10 words 703"),
    Anchor("ep_call", "replyrecv", {"words": 10}, 687, None, None, "seL4 ReplyRecv, 10 words 687"),
    Anchor("ntfn_signal", "signal", {"to": "high"}, 566, 497, 635,
           "seL4 signal, higher-prio waiter 566 (497-635)"),
    Anchor("ntfn_signal", "signal", {"to": "low"}, 384, None, None,
           "seL4 signal, lower-prio thread 384"),
]


def applies(platform, unit, mode):
    """True when figures in this unit can stand next to the seL4 ones."""
    return platform == PLATFORM and unit == UNIT and mode == MODE


def for_workload(workload):
    """The anchors of one workload."""
    return [a for a in SEL4 if a.workload == workload]
