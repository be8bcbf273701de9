/*
 * wl_rt.h: the runtime interface of the shared workloads.
 *
 * A shared workload (workloads/common/wl_<name>.c, one a file) is written
 * once against this header and runs on every platform: the ipclab runtime
 * implements it (workloads/virt/rt_wl.c and wl_rt_plat.h), the Linux
 * runtime too (workloads/linux/rt_wl.c and wl_rt_plat.h), and so does the
 * fake of the unit tests (workloads/common/test/fake/).  Each build puts
 * its own runtime's directory on the include path, so "wl_rt_plat.h" below
 * is that runtime's inline half: what must not cost a call inside a timed
 * window (the counter, the timed syscalls).
 *
 * Rules
 *  - Roles.  The root is the thread that runs the workload's run(); it
 *    sets up (wl_rt_shared, wl_rt_ntfns, wl_rt_spawn), starts the tasks
 *    (wl_rt_start), takes or collects the samples, and alone writes the
 *    stream (wl_rt_frame).  Nothing but the root prints.
 *  - Tasks.  wl_rt_spawn declares a task, wl_rt_start starts every
 *    declared task in declaration order.  A task has an address space of
 *    its own (virt: an ipclab task; Linux: a process) unless spawned
 *    with WL_RT_THREAD (virt: a thread of the root; Linux: still a
 *    process: there is no Linux thread runtime).  At most WL_RT_TASKS
 *    tasks (the runtime may allow fewer: wl_rt_spawn then fails by name).
 *  - Placement: with placement=cross, wl_rt_start puts the tasks on
 *    other CPUs than the root's before starting any (virt: the i-th
 *    declared on CPU (1 + i) mod cpus; Linux: the first on the other CPU,
 *    the rest on the root's).
 *  - Ranks (virt: scheduling priority, Linux: none, placement decides):
 *    WL_RT_PEER runs at the root's priority, WL_RT_ABOVE/WL_RT_BELOW
 *    above/below other tasks, always below the root.
 *  - The shared region: wl_rt_shared(len) before any task starts, zeroed,
 *    page aligned; a task gets its own view as its entry's argument.  The
 *    views of root and tasks may be at different addresses (virt makes
 *    them differ on purpose): store offsets in it, never pointers.
 *  - Notifications 0..n-1 (wl_rt_ntfns(n), n <= WL_RT_NTFNS) are binary
 *    and coalescing: a signal before the wait is never lost, several
 *    signals before a wait are one.  Every task and the root reach each of
 *    them by number; give each direction its own, waited on by one side
 *    only.  wl_rt_waker(k) is notification k as a struct ring_waker
 *    (ipc/ring.h) for the ring library.
 *  - Failures.  wl_rt_fail() records why the run failed (the first cause
 *    is kept) and returns 1; in a task the root learns it at wl_rt_finish,
 *    which returns non-zero (and the root returns it from run()).  The
 *    runtime prints the cause as ERROR; a workload never prints it.  (A
 *    virt WL_RT_THREAD task shares the root's data, so its failure is the
 *    root's: printed at once.)
 *  - wl_rt_finish(): called by the root once the workload knows every
 *    task is past its last step that shares anything (its last message,
 *    its last sample); Linux waits for the processes to exit, virt does
 *    not (so no task's exit lands in a measurement).
 *  - Counting (wl_rt_plat.h): wl_rt_count_start()/wl_rt_count_stop() read
 *    the platform's counter (virt: PMCCNTR_EL0, one instruction a tick in
 *    exact mode; Linux: the TSC, CNTVCT_EL0 or clock_gettime, by `timer`);
 *    wl_rt_sample(t0, t1) is one sample in the frame's unit with the
 *    overhead measured by wl_rt_begin subtracted.
 *  - Parameters: WL_RT_PARAMS(iterations, warmup, placement) are the
 *    common ones with this platform's ranges and the given defaults, plus
 *    the platform's own (Linux: placement, default the third argument, 0
 *    same or 1 cross, and timer; virt: placement, always default same,
 *    and cpus, workloads/virt/virt.h); WL_RT_WAKER_PARAMS the platform's own of
 *    a workload that sleeps on notifications (Linux: waker).  Both expand
 *    to entries that each end with a comma.  A parameter of a shared
 *    workload has one name and one meaning everywhere (workloads/README.md).
 */
#ifndef WORKLOADS_WL_RT_H
#define WORKLOADS_WL_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../ipc/ring.h"
#include "params.h"

#define WL_RT_TASKS 5
#define WL_RT_NTFNS 4

/* What wl_rt_begin measures as the overhead of one sample: */
enum wl_rt_window {
	WL_RT_READS,      /* two counter reads back to back (code between them is the cost) */
	WL_RT_NULL,       /* wl_rt_timed_null with its syscall replaced by a no-op */
	WL_RT_START,      /* wl_rt_timed_start with its syscall replaced by a no-op */
	WL_RT_NONE,       /* nothing: samples are raw differences (overhead 0) */
};

enum wl_rt_rank { WL_RT_PEER, WL_RT_ABOVE, WL_RT_BELOW };
#define WL_RT_THREAD 1u   /* wl_rt_spawn flag: share the root's address space (virt) */
/* wl_rt_spawn flag: the task and the root hand the CPU to each other at
 * every yield (virt: equal priority always does; linux-virt: the runtime
 * makes root and tasks SCHED_FIFO at one priority; native Linux: no
 * change, SCHED_OTHER, which may keep the CPU). */
#define WL_RT_HANDOVER 2u

/* Deliberate faults that prove a workload's checks (Linux:
 * IPCLAB_DEBUG_CORRUPT, workloads/linux/msg.h; virt: none). */
enum wl_rt_fault { WL_RT_FAULT_NONE, WL_RT_FAULT_REQ, WL_RT_FAULT_REP, WL_RT_FAULT_SEQ,
                   WL_RT_FAULT_DROP };

/* Before anything else in run(): the overhead of `w` (virt: measured and
 * checked stable, else the run fails), the platform's timer. 0 or 1. */
int wl_rt_begin(const struct wl_args *a, enum wl_rt_window w);
/* The root's view of a zeroed shared region of len bytes; NULL (after
 * wl_rt_fail) when it cannot be had. */
void *wl_rt_shared(size_t len);
/* Notifications 0..n-1. 0 or 1. */
int wl_rt_ntfns(unsigned n);
/* Declare a task: entry(its view of the shared region, id) once started. 0 or 1. */
int wl_rt_spawn(void (*entry)(void *shared, unsigned id), unsigned id, enum wl_rt_rank rank,
                unsigned flags, const char *name);
/* Start every declared task. 0 or 1. */
int wl_rt_start(void);
/* See the rules. 0, or 1 when a task failed (or could not be waited for). */
int wl_rt_finish(void);

void wl_rt_signal(unsigned k);
void wl_rt_wait(unsigned k);
struct ring_waker wl_rt_waker(unsigned k);

/* True when every task shares the root's CPU (placement=same). */
/* bool wl_rt_one_cpu(const struct wl_args *a);  in wl_rt_plat.h */

/* The fault asked for, if any, and its message number. */
enum wl_rt_fault wl_rt_fault(uint64_t *at);

/* Record the cause of the failure (root or task); returns 1. */
int wl_rt_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Root only: one frame of n samples (already net of the overhead); per:
 * operations a sample covers.  0 or 1. */
int wl_rt_frame(const struct wl_args *a, const char *metric, int64_t per, const int64_t *samples,
                uint64_t n);
/* Root only: room for n samples (the runtime's, valid until run() returns);
 * NULL after wl_rt_fail when n is too many. */
int64_t *wl_rt_samples(uint64_t n);

#include "wl_rt_plat.h"

#endif
