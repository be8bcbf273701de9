/*
 * ring_throughput placement=cross (wl_ring.c has the workload and its
 * one-task loops): the producer a thread of the root's task on another
 * CPU, the root the consumer.
 */
#include "ring.h"
#include "virt.h"

static inline uint64_t cycles(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, pmccntr_el0" : "=r"(v) : : "memory");
	return v;
}

int ring_throughput_cross(const struct wl_args *a, const struct ring_prod *p, struct ring_cons *c,
                          uint32_t batch, uint64_t n, uint64_t w, int64_t ov);

/* placement=cross: a producer thread of the root's task on another CPU
 * pushes 0, 1, 2, ... as fast as the ring takes them (polling, `yield`
 * while it is full); the root pops: a sample is the time to take `batch`
 * messages (waiting for them as needed), one at a time through ring_pop
 * or, batched, through peek_n/release_n.  Every message is checked. */
static struct ring_prod xprod;
static uint64_t xtotal;

static void cross_producer(uint64_t arg)
{
	(void)arg;
	for (uint64_t i = 0; i < xtotal; i++)
		while (ring_push(&xprod, &i) != RING_OK)
			ring_cpu_relax();
}

int ring_throughput_cross(const struct wl_args *a, const struct ring_prod *p, struct ring_cons *c,
                          uint32_t batch, uint64_t n, uint64_t w, int64_t ov)
{
	bool bat = wl_get(a, "variant") + 1 == RING_BATCHED;
	xprod = *p;
	xtotal = (n + w) * batch;
	uint64_t t = spawn_thread(cross_producer, 0, ROOT_PRIO);
	wl_place(t, wl_cpu_of(a, 0));
	sys_start(t);
	static uint64_t out[64];
	uint64_t seq = 0;
	for (uint64_t i = 0; i < n + w; i++) {
		uint32_t got = 0;
		uint64_t t0 = cycles();
		if (bat) {
			while (got < batch) {
				const void *rd = NULL;
				uint32_t k = ring_peek_n(c, batch - got, &rd);
				if (!k) {
					ring_cpu_relax();
					continue;
				}
				memcpy(&out[got], rd, k * sizeof(uint64_t));
				ring_release_n(c, k);
				got += k;
			}
		} else {
			for (; got < batch; got++)
				while (ring_pop(c, &out[got]) != RING_OK)
					ring_cpu_relax();
		}
		uint64_t t1 = cycles();
		for (uint32_t k = 0; k < batch; k++)
			if (out[k] != seq + k)
				return wl_fail("message %lu came out as %lu", (unsigned long)(seq + k),
				               (unsigned long)out[k]);
		seq += batch;
		if (i >= w)
			wl_samples[i - w] = (int64_t)(t1 - t0) - ov;
	}
	return 0;
}

