/*
 * ring_throughput on Linux: how fast 8-byte messages flow through one ring
 * of ipc/ from a producer process to a consumer process, each pinned to its
 * CPU, both polling (no waker: the ring alone).
 *
 * The producer (the child) pushes message i = i for every i, as fast as the
 * ring takes them; the consumer (the parent) takes them and checks each
 * against the sequence (a lost, repeated or reordered message fails the
 * run).  A sample is the time the consumer took for `msgs` consecutive
 * messages, so the frame's per= is msgs and a sample / per is the cost of
 * one message in steady state.  Warm-up samples run first and are dropped.
 *
 * Each variant moves messages with its own inline fast path, as the virt
 * workloads and ipc-qemu count them: naive reserve/commit, cached and
 * stamped push64/pop64, batched push_n64/pop_n64 in bursts of `burst`,
 * MPSC and MPMC (one producer and one consumer here) reserve/commit on the
 * sequence-numbered cells.  A side that finds the ring full (empty) waits
 * `backoff` CPU hints before looking again, the same for every variant;
 * with placement=same it yields the CPU instead.
 *
 * handle=copy (the default) runs each side's loop on a local copy of its
 * attached handle, which the compiler may keep in registers (a handle whose
 * address went to ring_attach_* it must reload around every atomic);
 * handle=attached on the attached handle itself: the difference is the
 * cost of those reloads (ipc/README.md).
 *
 * The checks can fail (msg.h's IPCLAB_DEBUG_CORRUPT): `seq:N` makes the
 * producer send N+1 in place of message N (the consumer must notice),
 * `drop:N` makes it stop before message N (the watchdog must end the run).
 * The producer pays one compare a message for this, every run alike.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ipc/linux/ring_linux.h"
#include "pingpong.h"

struct tp_run {
	struct ring_config cfg;
	void *ring;
	size_t ring_len;
	uint64_t total;     /* messages, warm-up included */
	uint32_t burst;     /* batched: messages per reserve/commit */
	uint32_t backoff;   /* CPU hints after a full or empty ring */
	bool same;          /* one CPU: yield instead of spinning */
	bool attached;      /* handle=attached: the loops use the handles attach filled */
	uint64_t wrong_at;  /* IPCLAB_DEBUG_CORRUPT seq:N: message N carries N+1 */
	uint64_t stop_at;   /* IPCLAB_DEBUG_CORRUPT drop:N: nothing from N on */
};

static void wait_a_little(const struct tp_run *r)
{
	if (r->same) {
		sched_yield();
		return;
	}
	for (uint32_t k = 0; k < r->backoff; k++)
		ring_cpu_relax();
}

/* One message in (true) or the ring is full (false); v is the variant, a
 * constant in each specialised loop below. */
static inline __attribute__((always_inline)) bool put1(struct ring_prod *p, enum ring_variant v,
						       uint64_t x)
{
	uint64_t *s;

	switch (v) {
	case RING_NAIVE:
		if ((s = ring_naive_reserve(p)) == NULL)
			return false;
		*s = x;
		ring_naive_commit(p);
		return true;
	case RING_STAMPED:
		return ring_stamped_push64_w(p, x, RING_WAKE_POLL);
	case RING_MPSC:
	case RING_MPMC:
		if ((s = ring_mp_reserve(p)) == NULL)
			return false;
		*s = x;
		ring_mp_commit(p);
		return true;
	default:
		return ring_spsc_push64_w(p, x, RING_WAKE_POLL);
	}
}

static inline __attribute__((always_inline)) bool get1(struct ring_cons *c, enum ring_variant v,
						       uint64_t *x)
{
	const uint64_t *s;

	switch (v) {
	case RING_NAIVE:
		if ((s = ring_naive_peek(c)) == NULL)
			return false;
		*x = *s;
		ring_naive_release(c);
		return true;
	case RING_STAMPED:
		return ring_stamped_pop64_w(c, x, RING_WAKE_POLL);
	case RING_MPSC:
	case RING_MPMC:
		if ((s = ring_mp_peek(c)) == NULL)
			return false;
		*x = *s;
		ring_mp_release(c);
		return true;
	default:
		return ring_spsc_pop64_w(c, x, RING_WAKE_POLL);
	}
}

static inline __attribute__((always_inline)) void produce(struct ring_prod *p,
							  const struct tp_run *r,
							  enum ring_variant v)
{
	uint64_t buf[64], end = r->stop_at < r->total ? r->stop_at : r->total;

	for (uint64_t i = 0; i < end;) {
		if (v == RING_BATCHED) {
			uint32_t want = end - i < r->burst ? (uint32_t)(end - i) : r->burst;
			for (uint32_t k = 0; k < want; k++)
				buf[k] = i + k + (i + k == r->wrong_at);
			uint32_t k = ring_spsc_push_n64_w(p, buf, want, RING_WAKE_POLL);
			if (k == 0)
				wait_a_little(r);
			i += k;
		} else if (put1(p, v, i + (i == r->wrong_at))) {
			i++;
		} else {
			wait_a_little(r);
		}
	}
}

static int producer(struct rt_pair *pair, void *arg)
{
	struct tp_run *r = arg;
	struct ring_prod p;
	int e = ring_attach_prod(&p, r->ring, r->ring_len, &r->cfg, NULL, NULL);

	if (e != RING_OK) {
		rt_fail("ring_throughput: producer attach: %s", ring_strerror(e));
		return -1;
	}
	rt_pair_barrier(pair);
	/* handle=copy: each loop on a copy of the handle whose address never
	 * escapes (attach took the original's), so that the compiler may keep
	 * its fields in registers across the ring's atomics, as it keeps the
	 * reference queue's (refq.c); handle=attached: on the handle attach
	 * filled, whose fields are then loaded (and the own index stored)
	 * again around every atomic access. */
	switch (r->cfg.variant) {
#define TP_PRODUCE(V)                                 \
	if (r->attached)                              \
		produce(&p, r, V);                    \
	else {                                        \
		struct ring_prod lp = p;              \
		produce(&lp, r, V);                   \
	}                                             \
	break
	case RING_NAIVE: TP_PRODUCE(RING_NAIVE);
	case RING_BATCHED: TP_PRODUCE(RING_BATCHED);
	case RING_STAMPED: TP_PRODUCE(RING_STAMPED);
	case RING_MPSC: TP_PRODUCE(RING_MPSC);
	case RING_MPMC: TP_PRODUCE(RING_MPMC);
	default: TP_PRODUCE(RING_CACHED);
#undef TP_PRODUCE
	}
	return 0;
}

/* Take n messages starting at sequence `next`; false (after rt_fail) on a
 * message out of sequence. */
static inline __attribute__((always_inline)) bool take(struct ring_cons *c, const struct tp_run *r,
						       enum ring_variant v, uint64_t next, uint64_t n)
{
	uint64_t buf[64];

	uint64_t i = 0;

	while (i < n) {
		uint32_t k;
		if (v != RING_BATCHED) {
			/* one message: the reference queue's loop (refq.c), check and all */
			uint64_t x;
			if (!get1(c, v, &x)) {
				wait_a_little(r);
				continue;
			}
			if (RING_UNLIKELY(x != next + i)) {
				buf[0] = x;
				goto wrong;
			}
			i++;
			continue;
		}
		uint32_t want = n - i < r->burst ? (uint32_t)(n - i) : r->burst;
		k = ring_spsc_pop_n64_w(c, buf, want, RING_WAKE_POLL);
		if (k == 0) {
			wait_a_little(r);
			continue;
		}
		for (uint32_t j = 0; j < k; j++, i++) {
			if (buf[j] != next + i) {
				buf[0] = buf[j];
				goto wrong;
			}
		}
	}
	return true;
wrong:
	rt_fail("ring_throughput: variant=%s: message %llu came out as %llu",
		ring_variant_name(r->cfg.variant), (unsigned long long)(next + i),
		(unsigned long long)buf[0]);
	return false;
}

static inline __attribute__((always_inline)) int consume(struct ring_cons *c,
							 const struct tp_run *r,
							 enum ring_variant v,
							 const struct rt_timer *t,
							 struct rt_perf *perf, uint64_t msgs,
							 uint64_t warmup, int64_t *samples,
							 uint64_t n)
{
	uint64_t prev = rt_now_start(t);

	for (uint64_t s = 0; s < warmup + n; s++) {
		if (s == warmup) {
			rt_perf_enable(perf);
			prev = rt_now_start(t);
		}
		if (!take(c, r, v, s * msgs, msgs))
			return -1;
		uint64_t now = rt_now_stop(t);
		if (s >= warmup)
			samples[s - warmup] = rt_timer_ns(t, prev, now);
		prev = now;
	}
	rt_perf_disable(perf);
	return 0;
}

int ringtp_run(const struct wl_args *a)
{
	struct rt_pair pair;
	struct rt_timer t;
	struct rt_perf perf;
	struct tp_run r;
	uint64_t warmup = (uint64_t)wl_get(a, "warmup");
	uint64_t n = (uint64_t)wl_get(a, "iterations");
	uint64_t msgs = (uint64_t)wl_get(a, "msgs");
	int64_t *samples = NULL;
	int rc = -1, e;
	char kv[1024], why[256];
	struct msg_debug dbg;

	memset(&pair, 0, sizeof(pair));
	memset(&r, 0, sizeof(r));
	r.cfg = (struct ring_config){ (enum ring_variant)(wl_get(a, "variant") + 1), RING_WAKE_POLL,
				      (uint32_t)wl_get(a, "capacity"), 8 };
	r.burst = (uint32_t)wl_get(a, "burst");
	r.backoff = (uint32_t)wl_get(a, "backoff");
	r.attached = wl_get(a, "handle") == 1;
	r.total = (warmup + n) * msgs;
	r.wrong_at = r.stop_at = UINT64_MAX;
	if (msg_debug_from_env(&dbg, why, sizeof(why)) != 0) {
		rt_fail("%s", why);
		return -1;
	}
	if (dbg.fault == MSG_FAULT_SEQ)
		r.wrong_at = dbg.at;
	else if (dbg.fault == MSG_FAULT_DROP)
		r.stop_at = dbg.at;
	else if (dbg.fault != MSG_FAULT_NONE) {
		rt_fail("ring_throughput has one direction: IPCLAB_DEBUG_CORRUPT takes seq:N or drop:N");
		return -1;
	}
	r.ring_len = ring_region_size(&r.cfg);
	if (r.ring_len == 0) {
		rt_fail("ring_throughput: variant=%s capacity=%u: %s (a capacity is a power of two "
			"except for naive)", ring_variant_name(r.cfg.variant), r.cfg.capacity,
			ring_strerror(ring_config_check(&r.cfg)));
		return -1;
	}
	samples = calloc(n, sizeof(*samples));
	if (samples == NULL) {
		rt_fail("out of memory for %llu samples", (unsigned long long)n);
		return -1;
	}
	if (rt_timer_init(&t, (enum rt_timer_kind)wl_get(a, "timer")) != 0 ||
	    rt_pair_init(&pair, r.ring_len, (int)wl_get(a, "placement")) != 0)
		goto out;
	r.same = pair.same;
	r.ring = pair.area;
	if ((e = ring_init(r.ring, r.ring_len, &r.cfg)) != RING_OK) {
		rt_fail("ring_throughput: ring_init: %s", ring_strerror(e));
		goto out;
	}
	rt_info_host(&pair, &t);
	rt_perf_open(&perf);
	/* The budget of pp_timeout_s, a message counted as 1/100 round trip. */
	if (rt_pair_start(&pair, producer, &r, pp_timeout_s(r.total / 100)) != 0)
		goto out_perf;
	{
		struct ring_cons c;
		if ((e = ring_attach_cons(&c, r.ring, r.ring_len, &r.cfg, NULL, NULL)) != RING_OK) {
			rt_fail("ring_throughput: consumer attach: %s", ring_strerror(e));
			rt_pair_abort(&pair);
			goto out_perf;
		}
		rt_pair_barrier(&pair);
		/* handle=copy or attached, as the producer's */
#define TP_CONSUME(V)                                                                  \
		if (r.attached)                                                        \
			rc = consume(&c, &r, V, &t, &perf, msgs, warmup, samples, n);  \
		else {                                                                 \
			struct ring_cons lc = c;                                       \
			rc = consume(&lc, &r, V, &t, &perf, msgs, warmup, samples, n); \
		}
		switch (r.cfg.variant) {
		case RING_NAIVE:
			TP_CONSUME(RING_NAIVE);
			break;
		case RING_BATCHED:
			TP_CONSUME(RING_BATCHED);
			break;
		case RING_STAMPED:
			TP_CONSUME(RING_STAMPED);
			break;
		case RING_MPSC:
			TP_CONSUME(RING_MPSC);
			break;
		case RING_MPMC:
			TP_CONSUME(RING_MPMC);
			break;
		default:
			TP_CONSUME(RING_CACHED);
			break;
		}
#undef TP_CONSUME
	}
	if (rc != 0) {
		rt_pair_abort(&pair);
		goto out_perf;
	}
	rc = -1;
	if (rt_pair_finish(&pair) != 0)
		goto out_perf;
	if (!rt_frame_kv(a, "batch", &t, (int64_t)msgs, kv, sizeof(kv))) {
		rt_fail("ring_throughput: the frame header does not fit %zu bytes", sizeof(kv));
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
