/*
 * Ring workloads: the rings of ipc/ measured inside ipclab tasks.
 */
#include "ring.h"
#include "timed.h"
#include "virt.h"
#include "wl.h"

static const char *const variant_choices[] = { "naive", "cached", "batched", NULL };
static const enum ring_variant variant_of[] = { RING_NAIVE, RING_CACHED, RING_BATCHED };

static inline uint64_t cycles(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, pmccntr_el0" : "=r"(v) : : "memory");
	return v;
}

static uint64_t overhead_reads(void)
{
	uint64_t t0 = cycles();
	uint64_t t1 = cycles();
	return t1 - t0;
}

static unsigned char ring_mem[256 * 1024] __attribute__((aligned(4096)));

static int setup_local(const struct wl_args *a, uint32_t slot, uint32_t cap,
                       struct ring_prod *p, struct ring_cons *c)
{
	struct ring_config cfg = {
		.variant = variant_of[wl_get(a, "variant")],
		.wake = RING_WAKE_POLL,
		.capacity = cap,
		.slot_size = slot,
	};
	int e = ring_init(ring_mem, sizeof ring_mem, &cfg);
	if (!e)
		e = ring_attach_prod(p, ring_mem, sizeof ring_mem, &cfg, NULL, NULL);
	if (!e)
		e = ring_attach_cons(c, ring_mem, sizeof ring_mem, &cfg, NULL, NULL);
	if (e)
		return wl_fail("ring setup (slot %u, capacity %u): %s", slot, cap, ring_strerror(e));
	return 0;
}

/* ---- ring_pushpop: one push and one pop in one task ---- */

/* path=inline: the variant's own inline functions on an 8-byte message,
 * the protocol a compile-time constant (what a tuned task would write);
 * path=generic: ring_push/ring_pop, variant chosen at run time, memcpy of
 * the slot. */
static inline bool push64(struct ring_prod *p, enum ring_variant v, uint64_t x)
{
	if (v == RING_NAIVE) {
		uint64_t *s = ring_naive_reserve(p);
		if (!s)
			return false;
		*s = x;
		ring_naive_commit(p);
		return true;
	}
	return ring_spsc_push64_w(p, x, RING_WAKE_POLL);
}

static inline bool pop64(struct ring_cons *c, enum ring_variant v, uint64_t *x)
{
	if (v == RING_NAIVE) {
		const uint64_t *s = ring_naive_peek(c);
		if (!s)
			return false;
		*x = *s;
		ring_naive_release(c);
		return true;
	}
	return ring_spsc_pop64_w(c, x, RING_WAKE_POLL);
}

static const char *const path_choices[] = { "generic", "inline", NULL };

static int wl_ring_pushpop(const struct wl_args *a)
{
	int64_t ov = measure_overhead(a, overhead_reads);
	if (ov < 0)
		return 1;
	uint32_t slot = (uint32_t)wl_get(a, "slot");
	bool inl = strcmp(wl_get_choice(a, "path"), "inline") == 0;
	enum ring_variant v = variant_of[wl_get(a, "variant")];
	if (inl && slot != 8)
		return wl_fail("path=inline moves 8-byte messages: slot=%u needs path=generic", slot);
	struct ring_prod p;
	struct ring_cons c;
	if (setup_local(a, slot, 16, &p, &c))
		return 1;
	static uint64_t msg[RING_SLOT_MAX / 8], out[RING_SLOT_MAX / 8];
	uint64_t n = wl_iterations(a), w = (uint64_t)wl_get(a, "warmup");
	for (uint64_t i = 0; i < n + w; i++) {
		msg[0] = i;
		uint64_t t0, t1;
		bool ok;
		if (inl) {
			t0 = cycles();
			bool ok1 = push64(&p, v, i);
			bool ok2 = pop64(&c, v, &out[0]);
			t1 = cycles();
			ok = ok1 && ok2;
		} else {
			t0 = cycles();
			int e1 = ring_push(&p, msg);
			int e2 = ring_pop(&c, out);
			t1 = cycles();
			ok = !e1 && !e2;
		}
		if (!ok || out[0] != i)
			return wl_fail("push/pop %lu lost the message", i);
		if (i >= w)
			wl_samples[i - w] = (int64_t)(t1 - t0) - ov;
	}
	emit_frame(a, "pushpop", ov, 1, wl_samples, n);
	return 0;
}

/* ---- ring_throughput: batches of messages through, one task ---- */

static int wl_ring_throughput(const struct wl_args *a)
{
	int64_t ov = measure_overhead(a, overhead_reads);
	if (ov < 0)
		return 1;
	uint32_t batch = (uint32_t)wl_get(a, "batch");
	bool batched = variant_of[wl_get(a, "variant")] == RING_BATCHED;
	struct ring_prod p;
	struct ring_cons c;
	if (setup_local(a, 8, 64, &p, &c))
		return 1;
	uint64_t n = wl_iterations(a), w = (uint64_t)wl_get(a, "warmup");
	uint64_t seq = 0, expect = 0;
	for (uint64_t i = 0; i < n + w; i++) {
		uint64_t t0 = cycles();
		if (batched) {
			void *first;
			uint32_t got = ring_reserve_n(&p, batch, &first);
			uint64_t *slots = first;
			for (uint32_t k = 0; k < got; k++)
				slots[k] = seq++;
			ring_commit_n(&p, got);
			const void *rd;
			uint32_t ready = ring_peek_n(&c, batch, &rd);
			const uint64_t *in = rd;
			for (uint32_t k = 0; k < ready; k++)
				expect += in[k] == expect;
			ring_release_n(&c, ready);
			if (got != batch || ready != batch)
				return wl_fail("batch of %u: reserved %u, peeked %u", batch, got, ready);
		} else {
			for (uint32_t k = 0; k < batch; k++) {
				uint64_t v = seq++;
				ring_push(&p, &v);
			}
			for (uint32_t k = 0; k < batch; k++) {
				uint64_t v;
				ring_pop(&c, &v);
				expect += v == expect;
			}
		}
		uint64_t t1 = cycles();
		if (i >= w)
			wl_samples[i - w] = (int64_t)(t1 - t0) - ov;
	}
	if (expect != seq)
		return wl_fail("messages lost or reordered: %lu of %lu in order", expect, seq);
	emit_frame(a, "batch", ov, batch, wl_samples, n);
	return 0;
}

/* ---- ring_pingpong: a round trip over two rings between two tasks ---- */

static const char *const wake_choices[] = { "every", "transition", "announce", "poll", NULL };
static const enum ring_wake wake_of[] = { RING_WAKE_EVERY, RING_WAKE_TRANSITION, RING_WAKE_ANNOUNCE, RING_WAKE_POLL };

#define RING_REGION (64 * 1024)

struct ppctl {
	uint64_t n;
	struct ring_config cfg;
	volatile int64_t err;
};

/* A waker on an ipclab notification: ctx is the slot number. */
static void ntfn_sig(void *ctx) { sys_signal((uint64_t)(uintptr_t)ctx, 1); }
static void ntfn_wait(void *ctx) { sys_wait((uint64_t)(uintptr_t)ctx); }

static struct ring_waker waker(uint64_t slot)
{
	return (struct ring_waker){ ntfn_sig, ntfn_wait, (void *)(uintptr_t)slot };
}

/* Region layout: [0] the control block page, then ring A (ping -> pong),
 * then ring B (pong -> ping).  Notification slots: the task's WSLOT_*
 * (0: A data, 1: A space, 2: B data, 3: B space). */
static void pong(uint64_t base)
{
	struct ppctl *c = (struct ppctl *)(uintptr_t)base;
	unsigned char *mem = (unsigned char *)(uintptr_t)base;
	struct ring_cons in;
	struct ring_prod out;
	struct ring_waker ad = waker(WSLOT_NTFN0), as = waker(WSLOT_NTFN1);
	struct ring_waker bd = waker(WSLOT_EP0), bs = waker(WSLOT_EP1);
	int e = ring_attach_cons(&in, mem + PAGE_SIZE, RING_REGION, &c->cfg, &ad, &as);
	if (!e)
		e = ring_attach_prod(&out, mem + PAGE_SIZE + RING_REGION, RING_REGION, &c->cfg, &bd, &bs);
	if (e) {
		c->err = e;
		return;
	}
	for (uint64_t i = 0; i < c->n; i++) {
		uint64_t v;
		ring_pop_wait(&in, &v);
		ring_push_wait(&out, &v);
	}
}

static int wl_ring_pingpong(const struct wl_args *a)
{
	int64_t ov = measure_overhead(a, overhead_reads);
	if (ov < 0)
		return 1;
	unsigned char *mem = shared_root();
	struct ppctl *c = (struct ppctl *)mem;
	uint64_t n = wl_iterations(a), w = (uint64_t)wl_get(a, "warmup");
	c->n = n + w;
	c->cfg = (struct ring_config){ .variant = variant_of[wl_get(a, "variant")],
	                               .wake = wake_of[wl_get(a, "wake")], .capacity = 16, .slot_size = 8 };
	if (c->cfg.variant == RING_BATCHED)
		c->cfg.variant = RING_CACHED;   /* one message in flight: batching has nothing to batch */
	int e = ring_init(mem + PAGE_SIZE, RING_REGION, &c->cfg);
	if (!e)
		e = ring_init(mem + PAGE_SIZE + RING_REGION, RING_REGION, &c->cfg);
	if (e)
		return wl_fail("ring init: %s", ring_strerror(e));
	uint64_t ntfns[4];
	for (int i = 0; i < 4; i++)
		ntfns[i] = root_create(CAP_NTFN, 0);
	/* The pong task: the same priority as the ping side (this root thread). */
	uint64_t t = spawn_task(pong, 0, ROOT_PRIO, "pong", ntfns);
	struct ring_prod out;
	struct ring_cons in;
	struct ring_waker ad = waker(ntfns[0]), as = waker(ntfns[1]);
	struct ring_waker bd = waker(ntfns[2]), bs = waker(ntfns[3]);
	e = ring_attach_prod(&out, mem + PAGE_SIZE, RING_REGION, &c->cfg, &ad, &as);
	if (!e)
		e = ring_attach_cons(&in, mem + PAGE_SIZE + RING_REGION, RING_REGION, &c->cfg, &bd, &bs);
	if (e)
		return wl_fail("ring attach: %s", ring_strerror(e));
	sys_start(t);
	for (uint64_t i = 0; i < n + w; i++) {
		uint64_t v = i, back;
		uint64_t t0 = cycles();
		ring_push_wait(&out, &v);
		ring_pop_wait(&in, &back);
		uint64_t t1 = cycles();
		if (back != i)
			return wl_fail("round trip %lu came back as %lu", i, back);
		if (i >= w)
			wl_samples[i - w] = (int64_t)(t1 - t0) - ov;
	}
	if (c->err)
		return wl_fail("pong: %s", ring_strerror((int)c->err));
	emit_frame(a, "rtt", ov, 1, wl_samples, n);
	return 0;
}

#define ITER { .name = "iterations", .min = 1, .max = WL_MAX_ITER, .def = 1000 }, \
	{ .name = "warmup", .min = 0, .max = WL_MAX_WARMUP, .def = 100 }

static const struct wl_param pushpop_params[] = {
	ITER,
	{ .name = "variant", .def = 1, .choices = variant_choices },
	{ .name = "slot", .min = RING_SLOT_MIN, .max = RING_SLOT_MAX, .def = 8 },
	{ .name = "path", .def = 0, .choices = path_choices },
};
static const struct wl_param throughput_params[] = {
	ITER,
	{ .name = "variant", .def = 1, .choices = variant_choices },
	{ .name = "batch", .min = 1, .max = 64, .def = 1 },
};
static const struct wl_param pingpong_params[] = {
	{ .name = "iterations", .min = 1, .max = WL_MAX_ITER, .def = 200 },
	{ .name = "warmup", .min = 0, .max = WL_MAX_WARMUP, .def = 10 },
	{ .name = "variant", .def = 1, .choices = variant_choices },
	{ .name = "wake", .def = 2, .choices = wake_choices },
};

#define PARAMS(p) .params = p, .nparams = sizeof(p) / sizeof((p)[0])

const struct wl_desc wl_ring_table[] = {
	{ .name = "ring_pushpop", .summary = "push then pop, one task", PARAMS(pushpop_params), .run = wl_ring_pushpop },
	{ .name = "ring_throughput", .summary = "a batch through the ring, one task", PARAMS(throughput_params), .run = wl_ring_throughput },
	{ .name = "ring_pingpong", .summary = "round trip over two rings between two tasks", PARAMS(pingpong_params), .run = wl_ring_pingpong },
};
const size_t wl_ring_count = sizeof wl_ring_table / sizeof wl_ring_table[0];
