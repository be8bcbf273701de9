/*
 * The inline half of the ipclab runtime of the shared workloads (wl_rt.h):
 * the cycle counter (PMCCNTR_EL0: one tick per instruction in exact mode)
 * and the timed syscalls of timed.h, so a timed window holds the same
 * instructions as the kernel-only workloads' windows.  The rest:
 * workloads/virt/rt_wl.c.
 */
#ifndef WORKLOADS_VIRT_WL_RT_PLAT_H
#define WORKLOADS_VIRT_WL_RT_PLAT_H

#include "timed.h"
#include "ulib.h"
#include "virt.h"

#define WL_RT_PLATFORM "virt"

/* The common parameters with this platform's ranges (virt.h's limits),
 * then placement and cpus (virt.h's PLACEMENT_PARAMS: the default is
 * always placement=same on one CPU here, whatever `place`, the default
 * of the Linux platforms, says).  Each ends with a comma. */
#define WL_RT_PARAMS(iter, warm, place) \
	{ .name = "iterations", .min = 1, .max = 16384, .def = (iter) }, \
	{ .name = "warmup", .min = 0, .max = 1000, .def = (warm) }, \
	PLACEMENT_PARAMS,
/* The platform's own parameters of a workload that sleeps on notifications
 * (none: an ipclab notification is the one waker). */
#define WL_RT_WAKER_PARAMS
/* A message size a workload takes (none: the virt workloads that exist
 * from before the shared source keep their 8-byte messages, and their
 * rows their names) and the polls before a ring sleeps (none: one CPU). */
#define WL_RT_SIZE_PARAM(lo, hi, def)
#define WL_RT_SPIN_PARAM

/* placement=same: every task shares the root's CPU. */
static inline bool wl_rt_one_cpu(const struct wl_args *a)
{
	return wl_cpu_of(a, 0) == 0;
}

extern int64_t wl_rt_overhead_ticks;

static inline uint64_t wl_rt_count_start(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, pmccntr_el0" : "=r"(v) : : "memory");
	return v;
}

static inline uint64_t wl_rt_count_stop(void)
{
	return wl_rt_count_start();
}

/* A difference of two counts as a sample: ticks (instructions) less the overhead. */
static inline int64_t wl_rt_sample(uint64_t t0, uint64_t t1)
{
	return (int64_t)(t1 - t0) - wl_rt_overhead_ticks;
}

/* One null syscall between two counter reads (one asm block): its ticks. */
static inline uint64_t wl_rt_timed_null(int64_t *ret)
{
	return timed_svc(SYS_NULL, 0, 0, ret);
}

/* Yield with the count before it stored in *start (the side that runs next
 * reads it); returns the count right after the yield returns. */
static inline uint64_t wl_rt_timed_yield(volatile uint64_t *start)
{
	uint64_t mr[4] = { 0 };
	int64_t r;
	return timed_start_svc(SYS_YIELD, 0, 0, mr, start, &r);
}

#endif
