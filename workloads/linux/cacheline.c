/*
 * The floor: one cache line handed between two CPUs, the least any
 * cross-core message can cost. The hand-off itself is ipc/linux's
 * (ipc_cacheline_ping/pong), so the floor the ring is compared with is the
 * one the ring library measures too; this file only runs it in two
 * processes, times each round trip, and checks the line's count (its
 * "message") before every round trip and at the end.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ipc/linux/ring_linux.h"
#include "pingpong.h"

struct floor_run {
	_Atomic uint64_t *line;
	uint64_t total;
};

static int floor_pong(struct rt_pair *pair, void *arg)
{
	struct floor_run *f = arg;

	rt_pair_barrier(pair);
	ipc_cacheline_pong(f->line, f->total);
	return 0;
}

int cacheline_run(const struct wl_args *a)
{
	struct rt_pair pair;
	struct rt_timer t;
	struct rt_perf perf;
	struct floor_run f;
	uint64_t warmup = (uint64_t)wl_get(a, "warmup");
	uint64_t iterations = (uint64_t)wl_get(a, "iterations");
	int64_t *samples;
	int rc = -1;

	if (wl_get(a, "placement") == 0) {
		rt_fail("cacheline spins without yielding: placement=same would measure the "
			"scheduler's time slice, use placement=cross");
		return -1;
	}
	samples = malloc(iterations * sizeof(*samples));
	if (samples == NULL) {
		rt_fail("out of memory");
		return -1;
	}
	memset(samples, 0, iterations * sizeof(*samples)); /* no page fault later */
	memset(&pair, 0, sizeof(pair));
	if (rt_timer_init(&t, (enum rt_timer_kind)wl_get(a, "timer")) != 0 ||
	    rt_pair_init(&pair, RT_LINE, 1) != 0)
		goto out;
	f.line = (_Atomic uint64_t *)pair.area; /* alone on its line, zero */
	f.total = warmup + iterations;
	rt_info_host(&pair, &t);
	rt_perf_open(&perf);
	if (rt_pair_start(&pair, floor_pong, &f, pp_timeout_s(f.total)) != 0)
		goto out_perf;
	rt_pair_barrier(&pair);
	for (uint64_t i = 0; i < f.total; i++) {
		uint64_t t0, t1, v = atomic_load_explicit(f.line, memory_order_relaxed);

		if (v != 2 * i) {
			rt_fail("cacheline: before round trip %llu the line holds %llu, expected %llu",
				(unsigned long long)i, (unsigned long long)v,
				(unsigned long long)(2 * i));
			rt_pair_abort(&pair);
			goto out_perf;
		}
		if (i == warmup)
			rt_perf_enable(&perf);
		t0 = rt_now_start(&t);
		ipc_cacheline_ping(f.line, 1);
		t1 = rt_now_stop(&t);
		if (i >= warmup)
			samples[i - warmup] = rt_timer_ns(&t, t0, t1);
	}
	rt_perf_disable(&perf);
	if (rt_pair_finish(&pair) != 0)
		goto out_perf;
	if (atomic_load(f.line) != 2 * f.total) {
		rt_fail("cacheline: the line ends at %llu, expected %llu",
			(unsigned long long)atomic_load(f.line), (unsigned long long)(2 * f.total));
		goto out_perf;
	}
	pp_emit(a, &t, samples, iterations);
	rc = 0;
out_perf:
	rt_perf_report(&perf);
out:
	rt_pair_free(&pair);
	free(samples);
	return rc;
}
