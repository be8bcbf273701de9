/*
 * mpsc: k producer tasks push into one MPSC ring of ipc/ that one consumer
 * task drains, the consumer woken by announce-then-sleep on notification 0
 * (the producers poll for space).  virt: on the one CPU the producers never
 * run at the same instant (the tick interleaves them), so this is the
 * cost per message of the multi-producer ring (a CAS on the head,
 * sequence-numbered cells) and of waking the consumer; the consumer
 * outranks the producers.  Linux: the consumer on its CPU, the producers
 * on the root's (placement=cross), all on one (same).  A sample is the
 * time between two messages the consumer takes (the first from when it
 * started waiting), taken by the consumer into the shared region; every
 * producer's messages must arrive whole and in its order, or the run fails.
 * The consumer signals notification 1 when it has them all.  Fault seq:N
 * (Linux's IPCLAB_DEBUG_CORRUPT) makes producer 0 number its messages from
 * 1 (N is ignored): the consumer must notice.
 */
#include "wl_rt.h"
#include "wl_shared.h"

#define PAGE 4096u
#define MPSC_CAP 64
#define MAX_PRODUCERS (WL_RT_TASKS - 1)

struct mpscctl {
	uint64_t per_producer, producers;
	uint64_t ring_off, ring_len;      /* in the region */
	uint64_t skew;                    /* fault seq: producer 0 starts at this number */
	volatile uint64_t bad;            /* a message was out of place */
	int64_t samples[];
};

static const struct ring_config mpsc_cfg = {
	.variant = RING_MPSC, .wake = RING_WAKE_ANNOUNCE, .capacity = MPSC_CAP, .slot_size = 8,
};

/* The producer pushes through the ring's generic push as a real call
 * (noipa: see wl_ring_pingpong.c); the consumer's generic pop is inlined
 * into its loop (ring_pop_wait).  That is how the virt rows of this
 * workload were measured before it was shared, and neither form moves
 * with how many callers this file has. */
static __attribute__((noipa)) int push1(struct ring_prod *p, const void *m)
{
	return ring_push(p, m);
}

static void producer(void *shared, unsigned id)
{
	struct mpscctl *c = shared;
	struct ring_waker data = wl_rt_waker(0);
	struct ring_prod out;
	data.wait = NULL;   /* the producer's half: signal data; space is polled (MPSC) */
	int e = ring_attach_prod(&out, (unsigned char *)shared + c->ring_off, c->ring_len, &mpsc_cfg,
	                         &data, NULL);
	if (e) {
		wl_rt_fail("mpsc: producer %u's attach: %s", id, ring_strerror(e));
		return;
	}
	/* The bounds are set before the loop, so a fault costs it nothing. */
	uint64_t first = id == 0 ? c->skew : 0, end = first + c->per_producer;
	for (uint64_t i = first; i < end; i++) {
		uint64_t v = (uint64_t)id << 32 | i;
		while (push1(&out, &v) != RING_OK)
			ring_prod_wait(&out);
	}
}

static void consumer(void *shared, unsigned id)
{
	struct mpscctl *c = shared;
	struct ring_waker data = wl_rt_waker(0);
	struct ring_cons in;
	(void)id;
	data.signal = NULL;   /* the consumer's half: wait for data */
	int e = ring_attach_cons(&in, (unsigned char *)shared + c->ring_off, c->ring_len, &mpsc_cfg,
	                         &data, NULL);
	if (e) {
		wl_rt_fail("mpsc: the consumer's attach: %s", ring_strerror(e));
		wl_rt_signal(1);
		return;
	}
	uint64_t next[MAX_PRODUCERS] = { 0 }, total = c->per_producer * c->producers;
	uint64_t prev = wl_rt_count_start();
	for (uint64_t i = 0; i < total; i++) {
		uint64_t v;
		ring_pop_wait(&in, &v);
		uint64_t t = wl_rt_count_stop();
		c->samples[i] = wl_rt_sample(prev, t);
		prev = t;
		uint64_t p = v >> 32, seq = v & 0xffffffff;
		if (p >= c->producers || seq != next[p]++)
			c->bad = 1;   /* lost, duplicated, or out of its producer's order */
	}
	wl_rt_signal(1);
}

static int run(const struct wl_args *a)
{
	if (wl_rt_begin(a, WL_RT_NONE))
		return 1;
	uint64_t n = (uint64_t)wl_get(a, "iterations"), w = (uint64_t)wl_get(a, "warmup");
	uint64_t k = (uint64_t)wl_get(a, "producers");
	uint64_t per = (n + w + k - 1) / k;
	/* the samples, then the ring on pages of its own */
	uint64_t ring_off = (sizeof(struct mpscctl) + per * k * sizeof(int64_t) + PAGE - 1) / PAGE * PAGE;
	uint64_t ring_len = (ring_region_size(&mpsc_cfg) + PAGE - 1) / PAGE * PAGE;
	unsigned char *mem = wl_rt_shared(ring_off + ring_len);
	if (!mem)
		return 1;
	struct mpscctl *c = (struct mpscctl *)mem;
	c->producers = k;
	c->per_producer = per;
	c->ring_off = ring_off;
	c->ring_len = ring_len;
	uint64_t at;
	c->skew = wl_rt_fault(&at) == WL_RT_FAULT_SEQ;   /* its first message out of order */
	int e = ring_init(mem + ring_off, ring_len, &mpsc_cfg);
	if (e)
		return wl_rt_fail("mpsc: ring_init: %s", ring_strerror(e));
	if (wl_rt_ntfns(2) || wl_rt_spawn(consumer, 0, WL_RT_ABOVE, 0, "consumer"))
		return 1;
	for (unsigned p = 0; p < k; p++)
		if (wl_rt_spawn(producer, p, WL_RT_BELOW, 0, "producer"))
			return 1;
	if (wl_rt_start())
		return 1;
	wl_rt_wait(1);
	if (wl_rt_finish())
		return 1;
	if (c->bad)
		return wl_rt_fail("mpsc with %lu producers: a message was lost, duplicated or reordered",
		                  (unsigned long)k);
	return wl_rt_frame(a, "msg", 1, c->samples + w, n);
}

static const struct wl_param params[] = {
	WL_RT_PARAMS(1000, 100, 1)
	{ .name = "producers", .min = 1, .max = MAX_PRODUCERS, .def = 1 },
	WL_RT_WAKER_PARAMS
};

const struct wl_desc wl_mpsc = {
	.name = "mpsc", .summary = "k producers into one consumer",
	.params = params, .nparams = sizeof params / sizeof params[0], .run = run,
};
