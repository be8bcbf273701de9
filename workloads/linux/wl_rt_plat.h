/*
 * The inline half of the Linux runtime of the shared workloads (wl_rt.h):
 * the timer of rt.h (the TSC or CNTVCT_EL0, or clock_gettime, by `timer`),
 * samples in ns, and the timed syscalls.  The rest: workloads/linux/rt_wl.c.
 */
#ifndef WORKLOADS_LINUX_WL_RT_PLAT_H
#define WORKLOADS_LINUX_WL_RT_PLAT_H

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rt.h"

#define WL_RT_PLATFORM RT_PLATFORM

/* The common parameters with the Linux ranges (wl_common_params'), then
 * placement (default `place`: 0 same, 1 cross) and timer.  Each ends with
 * a comma. */
#define WL_RT_PARAMS(iter, warm, place) \
	{ .name = "iterations", .min = 1, .max = 1000000, .def = (iter) }, \
	{ .name = "warmup", .min = 0, .max = 100000, .def = (warm) }, \
	{ .name = "placement", .def = (place), .choices = rt_placement_names }, \
	RT_PARAM_TIMER,
/* What a sleeping side sleeps on: a futex word or an eventfd. */
#define WL_RT_WAKER_PARAMS { .name = "waker", .def = 0, .choices = rt_waker_names },
/* Message bytes, lo..hi (default def). */
#define WL_RT_SIZE_PARAM(lo, hi, d) RT_PARAM_SIZE(lo, hi, d),
/* With a sleeping protocol: polls of the ring before a waiter sleeps (the
 * ring handles' spin field). */
#define WL_RT_SPIN_PARAM { .name = "spin", .min = 0, .max = 100000000, .def = 0 },

extern struct rt_timer wl_rt_timer;

/* main.c, after every run: stop a task still running, report perf, free. */
void wl_rt_end(void);

static inline bool wl_rt_one_cpu(const struct wl_args *a)
{
	return wl_get(a, "placement") == 0;
}

static inline uint64_t wl_rt_count_start(void) { return rt_now_start(&wl_rt_timer); }
static inline uint64_t wl_rt_count_stop(void) { return rt_now_stop(&wl_rt_timer); }

/* Ticks to ns, the timer's overhead subtracted. */
static inline int64_t wl_rt_sample(uint64_t t0, uint64_t t1)
{
	return rt_timer_ns(&wl_rt_timer, t0, t1);
}

/* getppid: a real syscall (glibc does not cache it), with no work. */
static inline uint64_t wl_rt_timed_null(int64_t *ret)
{
	uint64_t t0 = wl_rt_count_start();
	long r = syscall(SYS_getppid);
	uint64_t t1 = wl_rt_count_stop();
	*ret = r < 0 ? r : 0;
	return t1 - t0;
}

static inline uint64_t wl_rt_timed_yield(volatile uint64_t *start)
{
	*start = wl_rt_count_start();
	sched_yield();
	return wl_rt_count_stop();
}

#endif
