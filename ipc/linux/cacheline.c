/*
 * cacheline.c: the cross-core floor (one cache line bounced between two
 * CPUs) and the small Linux helpers the benchmarks share.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <time.h>

#include "ring_linux.h"

/* The line holds a counter: ping turns it odd, pong turns it even. */
void ipc_cacheline_ping(_Atomic uint64_t *line, uint64_t rounds)
{
	for (uint64_t r = 0; r < rounds; r++) {
		uint64_t v = atomic_load_explicit(line, memory_order_relaxed);
		atomic_store_explicit(line, v + 1, memory_order_release);
		while (atomic_load_explicit(line, memory_order_acquire) != v + 2)
			ring_cpu_relax();
	}
}

void ipc_cacheline_pong(_Atomic uint64_t *line, uint64_t rounds)
{
	for (uint64_t r = 0; r < rounds; r++) {
		uint64_t v;
		while (((v = atomic_load_explicit(line, memory_order_acquire)) & 1) == 0)
			ring_cpu_relax();
		atomic_store_explicit(line, v + 1, memory_order_release);
	}
}

int ipc_pin_cpu(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof set, &set);
}

uint64_t ipc_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
