/* The timer of the Linux workloads: the CPU counter calibrated against
 * CLOCK_MONOTONIC, or clock_gettime itself, and its overhead. See rt.h. */
#define _GNU_SOURCE
#include "rt.h"

#include <math.h>
#include <stdint.h>
#include <time.h>

uint64_t rt_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_hz(void)
{
#if defined(__aarch64__)
	uint64_t f;
	__asm__ __volatile__("mrs %0, cntfrq_el0" : "=r"(f));
	return f;
#else
	/* The TSC against CLOCK_MONOTONIC over 20 ms, twice (the first pass
	 * warms up the code and the vDSO page). */
	double hz = 0;
	for (int pass = 0; pass < 2; pass++) {
		uint64_t t0 = rt_clock_ns(), c0 = rt_ticks_start(), t1, c1;
		do {
			t1 = rt_clock_ns();
		} while (t1 - t0 < 20000000u);
		c1 = rt_ticks_stop();
		t1 = rt_clock_ns();
		hz = (double)(c1 - c0) * 1e9 / (double)(t1 - t0);
	}
	return (uint64_t)llround(hz);
#endif
}

int rt_timer_init(struct rt_timer *t, enum rt_timer_kind kind)
{
	uint64_t best = UINT64_MAX;

	t->kind = kind;
	if (kind == RT_TIMER_CPU) {
#if defined(__aarch64__)
		t->counter = "cntvct";
#else
		t->counter = "tsc";
#endif
		t->hz = cpu_hz();
		if (t->hz == 0) {
			rt_fail("the CPU counter does not advance");
			return -1;
		}
	} else {
		t->counter = "clock_gettime";
		t->hz = 1000000000u;
	}
	t->ns_per_tick = 1e9 / (double)t->hz;
	for (int i = 0; i < 2000; i++) {
		uint64_t a = rt_now_start(t), b = rt_now_stop(t);
		if (b - a < best)
			best = b - a;
	}
	t->overhead_ticks = best;
	return 0;
}

int64_t rt_timer_ns(const struct rt_timer *t, uint64_t start, uint64_t stop)
{
	uint64_t d = stop - start;

	d = d > t->overhead_ticks ? d - t->overhead_ticks : 0;
	return (int64_t)llround((double)d * t->ns_per_tick);
}

int64_t rt_timer_overhead_ns(const struct rt_timer *t)
{
	return (int64_t)llround((double)t->overhead_ticks * t->ns_per_tick);
}
