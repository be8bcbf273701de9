/*
 * The ring benchmark's reference queue (refq.h) in the two measurements the
 * rings of ipc/ take on Linux, so that every variant has a ratio to the
 * plain cached-index design measured in the same round of the same sweep:
 *
 *  ref_throughput  ring_throughput's measurement (throughput.c) on the
 *                  reference queue: 8-byte messages from a producer process
 *                  to a consumer process, polling, `backoff` CPU hints when
 *                  a side finds the queue full or empty (a yield with
 *                  placement=same), a sample the time of `msgs` messages,
 *                  every message checked in order.  IPCLAB_DEBUG_CORRUPT
 *                  seq:N and drop:N as there.
 *  ref_pingpong    a ping-pong transport (pingpong.c): one reference queue
 *                  each way (16 slots of `size` bytes, rounded up to 8),
 *                  polling with a CPU hint, the message copied in and out
 *                  (as ring_pingpong's generic ring_push/ring_pop do).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ipc/linux/ring_linux.h"
#include "pingpong.h"
#include "refq.h"

/* ---- ref_throughput ---------------------------------------------------------- */

struct rq_run {
	void *q;
	uint64_t cap;
	uint64_t total;     /* messages, warm-up included */
	uint32_t backoff;
	bool same;
	uint64_t wrong_at;  /* IPCLAB_DEBUG_CORRUPT seq:N */
	uint64_t stop_at;   /* IPCLAB_DEBUG_CORRUPT drop:N */
};

static void rq_wait(const struct rq_run *r)
{
	if (r->same) {
		sched_yield();
		return;
	}
	for (uint32_t k = 0; k < r->backoff; k++)
		ring_cpu_relax();
}

static int rq_producer(struct rt_pair *pair, void *arg)
{
	struct rq_run *r = arg;
	struct refq_prod p;
	uint64_t end = r->stop_at < r->total ? r->stop_at : r->total;

	refq_prod_init(&p, r->q, r->cap, 8);
	rt_pair_barrier(pair);
	for (uint64_t i = 0; i < end;) {
		if (refq_push64(&p, i + (i == r->wrong_at)))
			i++;
		else
			rq_wait(r);
	}
	return 0;
}

int refq_throughput_run(const struct wl_args *a)
{
	struct rt_pair pair;
	struct rt_timer t;
	struct rt_perf perf;
	struct rq_run r;
	uint64_t warmup = (uint64_t)wl_get(a, "warmup");
	uint64_t n = (uint64_t)wl_get(a, "iterations");
	uint64_t msgs = (uint64_t)wl_get(a, "msgs");
	int64_t *samples = NULL;
	int rc = -1;
	char kv[1024], why[256];
	struct msg_debug dbg;

	memset(&pair, 0, sizeof(pair));
	memset(&r, 0, sizeof(r));
	r.cap = (uint64_t)wl_get(a, "capacity");
	r.backoff = (uint32_t)wl_get(a, "backoff");
	r.total = (warmup + n) * msgs;
	r.wrong_at = r.stop_at = UINT64_MAX;
	if (r.cap & (r.cap - 1)) {
		rt_fail("ref_throughput: capacity=%llu is not a power of two",
			(unsigned long long)r.cap);
		return -1;
	}
	if (msg_debug_from_env(&dbg, why, sizeof(why)) != 0) {
		rt_fail("%s", why);
		return -1;
	}
	if (dbg.fault == MSG_FAULT_SEQ)
		r.wrong_at = dbg.at;
	else if (dbg.fault == MSG_FAULT_DROP)
		r.stop_at = dbg.at;
	else if (dbg.fault != MSG_FAULT_NONE) {
		rt_fail("ref_throughput has one direction: IPCLAB_DEBUG_CORRUPT takes seq:N or drop:N");
		return -1;
	}
	samples = calloc(n, sizeof(*samples));
	if (samples == NULL) {
		rt_fail("out of memory for %llu samples", (unsigned long long)n);
		return -1;
	}
	if (rt_timer_init(&t, (enum rt_timer_kind)wl_get(a, "timer")) != 0 ||
	    rt_pair_init(&pair, refq_size(r.cap, 8), (int)wl_get(a, "placement")) != 0)
		goto out;
	r.same = pair.same;
	r.q = pair.area;   /* zeroed, 128-byte aligned */
	rt_info_host(&pair, &t);
	rt_perf_open(&perf);
	if (rt_pair_start(&pair, rq_producer, &r, pp_timeout_s(r.total / 100)) != 0)
		goto out_perf;
	{
		struct refq_cons c;
		refq_cons_init(&c, r.q, r.cap, 8);
		rt_pair_barrier(&pair);
		uint64_t prev = rt_now_start(&t);
		for (uint64_t s = 0; s < warmup + n; s++) {
			if (s == warmup) {
				rt_perf_enable(&perf);
				prev = rt_now_start(&t);
			}
			uint64_t next = s * msgs, x;
			for (uint64_t i = 0; i < msgs;) {
				if (!refq_pop64(&c, &x)) {
					rq_wait(&r);
					continue;
				}
				if (x != next + i) {
					rt_fail("ref_throughput: message %llu came out as %llu",
						(unsigned long long)(next + i), (unsigned long long)x);
					rt_pair_abort(&pair);
					goto out_perf;
				}
				i++;
			}
			uint64_t now = rt_now_stop(&t);
			if (s >= warmup)
				samples[s - warmup] = rt_timer_ns(&t, prev, now);
			prev = now;
		}
		rt_perf_disable(&perf);
	}
	if (rt_pair_finish(&pair) != 0)
		goto out_perf;
	if (!rt_frame_kv(a, "batch", &t, (int64_t)msgs, kv, sizeof(kv))) {
		rt_fail("ref_throughput: the frame header does not fit %zu bytes", sizeof(kv));
		goto out_perf;
	}
	stream_frame(&rt_out, kv, samples, n);
	rc = 0;
out_perf:
	rt_perf_report(&perf);
out:
	rt_pair_free(&pair);
	free(samples);
	return rc;
}

/* ---- ref_pingpong: a transport of pingpong.c ------------------------------------ */

#define RQ_PP_CAP 16u   /* as ring_pingpong's rings */

/* This side's ends (each process has its own copy after the fork). */
static struct refq_prod rq_tx;
static struct refq_cons rq_rx;

static size_t rq_slot(size_t size)
{
	return (size + 7) / 8 * 8;
}

static size_t rq_one(size_t size)
{
	size_t n = refq_size(RQ_PP_CAP, rq_slot(size));
	return (n + REFQ_BLOCK - 1) / REFQ_BLOCK * REFQ_BLOCK;
}

static size_t rq_area(size_t size)
{
	return 2 * rq_one(size);
}

static int rq_setup(struct pp *pp)
{
	memset(pp->pair.area, 0, rq_area(pp->size));
	return 0;
}

/* Side s sends on queue s and receives on queue 1 - s. */
static int rq_attach(struct pp *pp, int side)
{
	unsigned char *a = pp->pair.area;
	size_t one = rq_one(pp->size);

	refq_prod_init(&rq_tx, a + (size_t)side * one, RQ_PP_CAP, rq_slot(pp->size));
	refq_cons_init(&rq_rx, a + (size_t)(1 - side) * one, RQ_PP_CAP, rq_slot(pp->size));
	return 0;
}

static void rq_pp_wait(const struct pp *pp)
{
	if (pp->same)
		sched_yield();
	else
		ring_cpu_relax();
}

static int rq_send(struct pp *pp, int side, const unsigned char *msg)
{
	(void)side;
	if (pp->size % 8 == 0) {
		while (!refq_push(&rq_tx, msg))
			rq_pp_wait(pp);
		return 0;
	}
	unsigned char buf[8192 + 8];   /* the slot is whole words: pad the last */
	memset(buf + pp->size / 8 * 8, 0, 8);
	memcpy(buf, msg, pp->size);
	while (!refq_push(&rq_tx, buf))
		rq_pp_wait(pp);
	return 0;
}

static int rq_recv(struct pp *pp, int side, unsigned char *msg)
{
	(void)side;
	if (pp->size % 8 == 0) {
		while (!refq_pop(&rq_rx, msg))
			rq_pp_wait(pp);
		return 0;
	}
	unsigned char buf[8192 + 8];
	while (!refq_pop(&rq_rx, buf))
		rq_pp_wait(pp);
	memcpy(msg, buf, pp->size);
	return 0;
}

const struct pp_ops pp_refq = {
	.name = "ref_pingpong", .area = rq_area, .setup = rq_setup,
	.attach = rq_attach, .send = rq_send, .recv = rq_recv,
};

/* ---- ring64_pingpong: the same transport over two rings of ipc/ ---------------- */

/* ring_pingpong (workloads/common) moves its messages through the library's
 * generic ring_push/ring_pop (real calls, a memcpy of the slot, the wait
 * in ring_wait.c); this transport runs the variant's own inline 8-byte
 * path (push64/pop64, polling, the wait a CPU hint as ref_pingpong's), so
 * that ref_pingpong / ring64_pingpong compares the designs and
 * ring_pingpong / ring64_pingpong the interfaces.  Rings of 16 slots of 8
 * bytes, each on pages of its own, as ring_pingpong's. */
#define R64_LEN 65536u

static struct ring_prod r64_tx;
static struct ring_cons r64_rx;
static struct ring_config r64_cfg;

static size_t r64_area(size_t size)
{
	(void)size;
	return 2 * R64_LEN;
}

static int r64_setup(struct pp *pp)
{
	enum ring_variant v = (enum ring_variant)(wl_get(pp->args, "variant") + 1);
	int e;

	if (v != RING_CACHED && v != RING_BATCHED && v != RING_STAMPED) {
		rt_fail("ring64_pingpong: variant=%s has no 8-byte path (cached, batched, stamped)",
			ring_variant_name(v));
		return -1;
	}
	if (pp->size != 8) {
		rt_fail("ring64_pingpong moves 8-byte messages: size=%zu", pp->size);
		return -1;
	}
	r64_cfg = (struct ring_config){ v, RING_WAKE_POLL, RQ_PP_CAP, 8 };
	for (int i = 0; i < 2; i++)
		if ((e = ring_init((char *)pp->pair.area + (size_t)i * R64_LEN, R64_LEN,
				   &r64_cfg)) != RING_OK) {
			rt_fail("ring64_pingpong: ring_init: %s", ring_strerror(e));
			return -1;
		}
	return 0;
}

static int r64_attach(struct pp *pp, int side)
{
	char *a = pp->pair.area;
	int e = ring_attach_prod(&r64_tx, a + (size_t)side * R64_LEN, R64_LEN, &r64_cfg, NULL,
				 NULL);

	if (e == RING_OK)
		e = ring_attach_cons(&r64_rx, a + (size_t)(1 - side) * R64_LEN, R64_LEN, &r64_cfg,
				     NULL, NULL);
	if (e != RING_OK) {
		rt_fail("ring64_pingpong: attach: %s", ring_strerror(e));
		return -1;
	}
	return 0;
}

static int r64_send(struct pp *pp, int side, const unsigned char *msg)
{
	uint64_t v;

	(void)side;
	memcpy(&v, msg, 8);
	if (r64_cfg.variant == RING_STAMPED) {
		while (!ring_stamped_push64_w(&r64_tx, v, RING_WAKE_POLL))
			rq_pp_wait(pp);
	} else {
		while (!ring_spsc_push64_w(&r64_tx, v, RING_WAKE_POLL))
			rq_pp_wait(pp);
	}
	return 0;
}

static int r64_recv(struct pp *pp, int side, unsigned char *msg)
{
	uint64_t v;

	(void)side;
	if (r64_cfg.variant == RING_STAMPED) {
		while (!ring_stamped_pop64_w(&r64_rx, &v, RING_WAKE_POLL))
			rq_pp_wait(pp);
	} else {
		while (!ring_spsc_pop64_w(&r64_rx, &v, RING_WAKE_POLL))
			rq_pp_wait(pp);
	}
	memcpy(msg, &v, 8);
	return 0;
}

const struct pp_ops pp_ring64 = {
	.name = "ring64_pingpong", .area = r64_area, .setup = r64_setup,
	.attach = r64_attach, .send = r64_send, .recv = r64_recv,
};
