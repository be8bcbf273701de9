/*
 * The inline half of the fake runtime (fake_rt.c) the shared workloads'
 * unit tests run on: tasks are threads, the region is mapped twice (root
 * and tasks see it at different addresses, as on virt), the counter is a
 * number that advances FAKE_TICK a read, and yield hands a baton to the
 * other thread, so a yield run is deterministic.  Faults are knobs the
 * tests turn (struct fake).
 */
#ifndef WORKLOADS_FAKE_WL_RT_PLAT_H
#define WORKLOADS_FAKE_WL_RT_PLAT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define WL_RT_PLATFORM "fake"
#define FAKE_TICK 3        /* counter ticks a read */
#define FAKE_NULL_COST 11  /* ticks of a null syscall, its window's own reads included */
#define FAKE_YIELD_COST 5  /* ticks of a switch */

extern const char *const fake_placements[];
#define WL_RT_PARAMS(iter, warm, place) \
	{ .name = "iterations", .min = 1, .max = 5000, .def = (iter) }, \
	{ .name = "warmup", .min = 0, .max = 100, .def = (warm) }, \
	{ .name = "placement", .def = (place), .choices = fake_placements },
#define WL_RT_WAKER_PARAMS
#define WL_RT_SIZE_PARAM(lo, hi, d) { .name = "size", .min = (lo), .max = (hi), .def = (d) },
#define WL_RT_SPIN_PARAM

struct fake {
	_Atomic uint64_t counter;
	int64_t overhead;        /* what wl_rt_begin measured */
	int64_t null_ret;        /* what the null syscall returns */
	bool yield_stays;        /* a yield keeps the CPU (no switch) */
	int spurious_ntfn;       /* this notification's wait returns early once... */
	uint64_t spurious_at;    /* ...at this wait (1-based; 0: never) */
	int fault;               /* what wl_rt_fault answers (enum wl_rt_fault) */
	uint64_t fault_at;
};
extern struct fake fake;

static inline bool wl_rt_one_cpu(const struct wl_args *a)
{
	return wl_get(a, "placement") == 0;
}

static inline uint64_t wl_rt_count_start(void)
{
	return atomic_fetch_add(&fake.counter, FAKE_TICK) + FAKE_TICK;
}
static inline uint64_t wl_rt_count_stop(void) { return wl_rt_count_start(); }

static inline int64_t wl_rt_sample(uint64_t t0, uint64_t t1)
{
	return (int64_t)(t1 - t0) - fake.overhead;
}

static inline uint64_t wl_rt_timed_null(int64_t *ret)
{
	atomic_fetch_add(&fake.counter, FAKE_NULL_COST);
	*ret = fake.null_ret;
	return FAKE_NULL_COST;
}

uint64_t fake_yield(volatile uint64_t *start);
static inline uint64_t wl_rt_timed_yield(volatile uint64_t *start) { return fake_yield(start); }

#endif
