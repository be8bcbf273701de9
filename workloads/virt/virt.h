/*
 * The environment of workloads on the ipclab kernel: measuring with the
 * cycle counter the way sel4bench does, creating the tasks and shared
 * memory a workload needs, and writing the result stream on the console.
 *
 * Method: every sample is (counter after - counter before) minus the
 * overhead, the cost of the same instruction sequence with `nop` in place
 * of `svc`.  The overhead is measured before the run, OVERHEAD_RUNS times;
 * in exact mode all must agree (a cycle is an instruction: any difference
 * is a bug), in timed mode two consecutive minima must; otherwise the run
 * reports an ERROR and no samples.  Warm-up iterations run first and are
 * not reported.
 */
#ifndef WORKLOADS_VIRT_H
#define WORKLOADS_VIRT_H

#include "params.h"
#include "stream.h"
#include "ulib.h"

#define MAX_SAMPLES 32768    /* per frame */
#define WL_MAX_ITER 16384    /* iterations + warm-up (+1) always fit */
#define WL_MAX_WARMUP 1000
#define OVERHEAD_RUNS 16

/* Shared memory between the root and the tasks of a workload: frames
 * mapped in the root at ROOT_SHARED_VA, in every other task at TASK_SHARED_VA
 * (a different address, on purpose). */
#define ROOT_SHARED_VA  (USER_MAP_BASE + 0x10000000ull)
#define TASK_SHARED_VA  (USER_MAP_BASE + 0x20000000ull)
#define SHARED_PAGES    64

/* Capability slots a workload task finds its objects in. */
#define WSLOT_NTFN0  10
#define WSLOT_NTFN1  11
#define WSLOT_EP0    12
#define WSLOT_EP1    13

extern struct stream wl_out;
extern int64_t wl_samples[MAX_SAMPLES];

void wl_env_init(const struct bootinfo *bi);
/* A fresh slot of the root's cspace. */
uint64_t root_slot(void);
/* Create an object in the root's cspace; returns its slot (panics the run on error). */
uint64_t root_create(uint64_t type, uint64_t arg);
/* The shared region (SHARED_PAGES pages), created and mapped on first use. */
void *shared_root(void);
/* A new task running entry(TASK_SHARED_VA + offset) at prio, with the shared
 * region mapped and the given root slots copied to WSLOT_NTFN0.. in order
 * (0 = none).  Returns the task's slot; it is not started. */
uint64_t spawn_task(void (*entry)(uint64_t), uint64_t arg_offset, unsigned prio,
                    const char *name, const uint64_t slots[4]);
/* A new thread of the root task (same address space). */
uint64_t spawn_thread(void (*entry)(uint64_t), uint64_t arg, unsigned prio);
/* Start and wait until it ends (through a notification bound to its end);
 * returns its status word (SYS_STATUS). */
uint64_t run_task(uint64_t task_slot);

/* The measurement overhead of a timed sequence with nop for svc:
 * `fn` returns one sample of it.  Returns -1 (after an ERROR line) when it
 * is not stable. */
int64_t measure_overhead(const struct wl_args *a, uint64_t (*fn)(void));
/* Write one frame of n samples (already net of the overhead). */
void emit_frame(const struct wl_args *a, const char *metric, int64_t overhead, int64_t per,
                const int64_t *samples, uint64_t n);
uint64_t wl_iterations(const struct wl_args *a);
/* Fail the run with a message (an ERROR line); returns 1 for convenience. */
int wl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* For the workload tables: the common parameters with this platform's
 * ranges, and a table's own parameters. */
#define ITER { .name = "iterations", .min = 1, .max = WL_MAX_ITER, .def = 1000 }, \
	{ .name = "warmup", .min = 0, .max = WL_MAX_WARMUP, .def = 100 }
#define PARAMS(p) .params = p, .nparams = sizeof(p) / sizeof((p)[0])

/*
 * Placement (issue 13), the meaning it has on the Linux platforms:
 * `placement=same` runs every thread of the workload on the root's CPU
 * (CPU 0); `placement=cross` puts the workload's threads on other CPUs
 * than the root's.  `cpus` is the number of CPUs the run uses, and the
 * machine must have at least that many (the harness boots QEMU with
 * `-smp <cpus>`; `make run CPUS=<n>`): a run asking for more is refused
 * with a message naming both.  With placement=cross, the i-th thread
 * placed (0 first, in the workload's order) runs on CPU (1 + i) mod cpus:
 * one task on CPU 1; k producers and a consumer of mpsc on cpus = k + 1
 * give every one a CPU of its own but the last producer, which shares
 * CPU 0 with the root (asleep while they run).  placement=cross needs
 * cpus >= 2; placement=same with cpus > 1 runs on CPU 0 with the others
 * idle (the single-CPU figures on a machine of several).
 */
#define WL_CPUS_MAX 4
extern const char *const wl_placement_names[];   /* same, cross */
#define PLACEMENT_PARAMS \
	{ .name = "placement", .def = 0, .choices = wl_placement_names }, \
	{ .name = "cpus", .min = 1, .max = WL_CPUS_MAX, .def = 1 }
/* Checks placement and cpus against each other and the machine before a
 * run (registry.c); 0, or 1 after an ERROR line. */
int wl_check_placement(const struct wl_args *a);
/* The CPU of the i-th thread a workload places. */
unsigned wl_cpu_of(const struct wl_args *a, unsigned i);
/* Puts a thread or task (not started) on a CPU; the run stops on error. */
void wl_place(uint64_t slot, unsigned cpu);

/* Counter reads around an instruction, as one block the compiler cannot
 * split: INSN is "svc #0" or "nop". */
#define COUNTER "pmccntr_el0"

#endif
