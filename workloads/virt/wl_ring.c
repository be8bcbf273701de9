/*
 * Ring workloads: the rings of ipc/ measured inside ipclab tasks.  The
 * round trip between two tasks and the multi-producer ring are shared
 * workloads (workloads/common/wl_ring_pingpong.c, wl_mpsc.c).
 */
#include "ring.h"
#include "timed.h"
#include "virt.h"
#include "wl.h"

/* Every ring workload's `variant` takes its choices from the library's one
 * table of names (ring.h: ring_variant_names; a choice's value is its enum
 * value - 1), so `workload=list` names every variant and nothing here
 * spells them again. */
static enum ring_variant variant_of(const struct wl_args *a)
{
	return (enum ring_variant)(wl_get(a, "variant") + 1);
}

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
		.variant = variant_of(a),
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
static inline __attribute__((always_inline)) bool push64(struct ring_prod *p, enum ring_variant v, uint64_t x)
{
	if (v == RING_NAIVE) {
		uint64_t *s = ring_naive_reserve(p);
		if (!s)
			return false;
		*s = x;
		ring_naive_commit(p);
		return true;
	}
	if (v == RING_MPSC || v == RING_MPMC) {
		uint64_t *s = ring_mp_reserve(p);
		if (!s)
			return false;
		*s = x;
		ring_mp_commit(p);
		return true;
	}
	if (v == RING_STAMPED)
		return ring_stamped_push64_w(p, x, RING_WAKE_POLL);
	return ring_spsc_push64_w(p, x, RING_WAKE_POLL);
}

static inline __attribute__((always_inline)) bool pop64(struct ring_cons *c, enum ring_variant v, uint64_t *x)
{
	if (v == RING_NAIVE) {
		const uint64_t *s = ring_naive_peek(c);
		if (!s)
			return false;
		*x = *s;
		ring_naive_release(c);
		return true;
	}
	if (v == RING_MPSC || v == RING_MPMC) {
		const uint64_t *s = ring_mp_peek(c);
		if (!s)
			return false;
		*x = *s;
		ring_mp_release(c);
		return true;
	}
	if (v == RING_STAMPED)
		return ring_stamped_pop64_w(c, x, RING_WAKE_POLL);
	return ring_spsc_pop64_w(c, x, RING_WAKE_POLL);
}

static const char *const path_choices[] = { "generic", "inline", NULL };

/* One push+pop sample loop; `v` and `inl` are constants where it is
 * called, so each variant's measured code is its own, with no dispatch. */
static inline __attribute__((always_inline)) int pushpop_loop(struct ring_prod *p, struct ring_cons *c,
                                                              enum ring_variant v, bool inl,
                                                              uint64_t n, uint64_t w, int64_t ov)
{
	static uint64_t msg[RING_SLOT_MAX / 8], out[RING_SLOT_MAX / 8];
	for (uint64_t i = 0; i < n + w; i++) {
		msg[0] = i;
		uint64_t t0, t1;
		bool ok;
		if (inl) {
			t0 = cycles();
			bool ok1 = push64(p, v, i);
			bool ok2 = pop64(c, v, &out[0]);
			t1 = cycles();
			ok = ok1 && ok2;
		} else {
			t0 = cycles();
			int e1 = ring_push(p, msg);
			int e2 = ring_pop(c, out);
			t1 = cycles();
			ok = !e1 && !e2;
		}
		if (!ok || out[0] != i)
			return wl_fail("push/pop %lu lost the message", i);
		if (i >= w)
			wl_samples[i - w] = (int64_t)(t1 - t0) - ov;
	}
	return 0;
}

static int wl_ring_pushpop(const struct wl_args *a)
{
	int64_t ov = measure_overhead(a, overhead_reads);
	if (ov < 0)
		return 1;
	uint32_t slot = (uint32_t)wl_get(a, "slot");
	bool inl = strcmp(wl_get_choice(a, "path"), "inline") == 0;
	enum ring_variant v = variant_of(a);
	if (inl && slot != 8)
		return wl_fail("path=inline moves 8-byte messages: slot=%u needs path=generic", slot);
	struct ring_prod p;
	struct ring_cons c;
	if (setup_local(a, slot, 16, &p, &c))
		return 1;
	uint64_t n = wl_iterations(a), w = (uint64_t)wl_get(a, "warmup");
	int rc;
	if (!inl)
		rc = pushpop_loop(&p, &c, v, false, n, w, ov);
	else if (v == RING_NAIVE)
		rc = pushpop_loop(&p, &c, RING_NAIVE, true, n, w, ov);
	else if (v == RING_STAMPED)
		rc = pushpop_loop(&p, &c, RING_STAMPED, true, n, w, ov);
	else if (v == RING_MPSC)
		rc = pushpop_loop(&p, &c, RING_MPSC, true, n, w, ov);
	else if (v == RING_MPMC)
		rc = pushpop_loop(&p, &c, RING_MPMC, true, n, w, ov);
	else
		rc = pushpop_loop(&p, &c, RING_CACHED, true, n, w, ov);
	if (rc)
		return rc;
	emit_frame(a, "pushpop", ov, 1, wl_samples, n);
	return 0;
}

/* ---- ring_throughput: batches of messages through, one task: push
 * `batch` 8-byte messages, then pop them.  batched: reserve_n/commit_n and
 * peek_n/release_n (path=inline: ring_spsc_push_n64_w/pop_n64_w, which
 * copy with paired loads and stores); naive and cached: one message at a
 * time (path=inline: the variants' inline functions).  The timed window
 * holds the ring operations and the copies in and out, nothing else; every
 * message is checked after it. ---- */

/* `batch` messages in one at a time, then out; v is a constant where called. */
static inline __attribute__((always_inline)) void move64(struct ring_prod *p, struct ring_cons *c,
                                                         enum ring_variant v, const uint64_t *in,
                                                         uint64_t *out, uint32_t batch,
                                                         uint32_t *pushed, uint32_t *popped)
{
	uint32_t k = 0, m = 0;
	for (; k < batch && push64(p, v, in[k]); k++)
		;
	for (; m < batch && pop64(c, v, &out[m]); m++)
		;
	*pushed = k;
	*popped = m;
}

/* The sample loop of ring_throughput; `kind` and `inl` are constants where
 * it is called, so the timed window holds one variant's code and no
 * dispatch (and its count does not move when unrelated code does).  kind:
 * RING_BATCHED (the batch interface), the variant whose inline functions
 * move one message at a time (inl), or 0 with !inl (path=generic: ring_push
 * and ring_pop, the variant chosen at run time inside them). */
static inline __attribute__((always_inline)) int throughput_loop(struct ring_prod *p,
                                                                 struct ring_cons *c,
                                                                 enum ring_variant kind, bool inl,
                                                                 uint32_t batch, uint64_t n,
                                                                 uint64_t w, int64_t ov)
{
	static uint64_t in[64], out[64];
	uint64_t seq = 0;
	for (uint64_t i = 0; i < n + w; i++) {
		for (uint32_t k = 0; k < batch; k++) {
			in[k] = seq + k;
			out[k] = ~0ull;
		}
		uint32_t pushed = 0, popped = 0;
		uint64_t t0 = cycles();
		if (kind == RING_BATCHED && inl) {
			pushed = ring_spsc_push_n64_w(p, in, batch, RING_WAKE_POLL);
			popped = ring_spsc_pop_n64_w(c, out, batch, RING_WAKE_POLL);
		} else if (kind == RING_BATCHED) {
			void *wr = NULL;
			const void *rd = NULL;
			pushed = ring_reserve_n(p, batch, &wr);
			memcpy(wr, in, pushed * sizeof(uint64_t));
			ring_commit_n(p, pushed);
			popped = ring_peek_n(c, batch, &rd);
			memcpy(out, rd, popped * sizeof(uint64_t));
			ring_release_n(c, popped);
		} else if (inl) {
			move64(p, c, kind, in, out, batch, &pushed, &popped);
		} else {
			for (; pushed < batch && ring_push(p, &in[pushed]) == RING_OK; pushed++)
				;
			for (; popped < batch && ring_pop(c, &out[popped]) == RING_OK; popped++)
				;
		}
		uint64_t t1 = cycles();
		if (pushed != batch || popped != batch)
			return wl_fail("batch of %u: pushed %u, popped %u", batch, pushed, popped);
		for (uint32_t k = 0; k < batch; k++)
			if (out[k] != in[k])
				return wl_fail("message %lu came out as %lu", in[k], out[k]);
		seq += batch;
		if (i >= w)
			wl_samples[i - w] = (int64_t)(t1 - t0) - ov;
	}
	return 0;
}

/* placement=cross: wl_ring_cross.c (a file of its own, so that the loops
 * above compile as they did before it: GCC's inlining of the ring's
 * functions depends on how many callers a file has). */
int ring_throughput_cross(const struct wl_args *a, const struct ring_prod *p, struct ring_cons *c,
                          uint32_t batch, uint64_t n, uint64_t w, int64_t ov);

static int wl_ring_throughput(const struct wl_args *a)
{
	int64_t ov = measure_overhead(a, overhead_reads);
	if (ov < 0)
		return 1;
	uint32_t batch = (uint32_t)wl_get(a, "batch");
	enum ring_variant v = variant_of(a);
	bool inl = strcmp(wl_get_choice(a, "path"), "inline") == 0;
	bool cross = wl_cpu_of(a, 0) != 0;
	if (cross && inl)
		return wl_fail("ring_throughput placement=cross runs path=generic (ring_pop, or "
		               "peek_n/release_n for batched): path=inline is one task's loop");
	struct ring_prod p;
	struct ring_cons c;
	if (setup_local(a, 8, 64, &p, &c))
		return 1;
	uint64_t n = wl_iterations(a), w = (uint64_t)wl_get(a, "warmup");
	int rc;
	if (cross) {
		rc = ring_throughput_cross(a, &p, &c, batch, n, w, ov);
		if (rc)
			return rc;
		emit_frame(a, "batch", ov, batch, wl_samples, n);
		return 0;
	}
	if (v == RING_BATCHED && inl)
		rc = throughput_loop(&p, &c, RING_BATCHED, true, batch, n, w, ov);
	else if (v == RING_BATCHED)
		rc = throughput_loop(&p, &c, RING_BATCHED, false, batch, n, w, ov);
	else if (!inl)
		rc = throughput_loop(&p, &c, (enum ring_variant)0, false, batch, n, w, ov);
	else if (v == RING_NAIVE)
		rc = throughput_loop(&p, &c, RING_NAIVE, true, batch, n, w, ov);
	else if (v == RING_STAMPED)
		rc = throughput_loop(&p, &c, RING_STAMPED, true, batch, n, w, ov);
	else if (v == RING_MPSC)
		rc = throughput_loop(&p, &c, RING_MPSC, true, batch, n, w, ov);
	else if (v == RING_MPMC)
		rc = throughput_loop(&p, &c, RING_MPMC, true, batch, n, w, ov);
	else
		rc = throughput_loop(&p, &c, RING_CACHED, true, batch, n, w, ov);
	if (rc)
		return rc;
	emit_frame(a, "batch", ov, batch, wl_samples, n);
	return 0;
}

/* A waker on an ipclab notification: ctx is the slot number. */
static void ntfn_sig(void *ctx) { sys_signal((uint64_t)(uintptr_t)ctx, 1); }
static void ntfn_wait(void *ctx) { sys_wait((uint64_t)(uintptr_t)ctx); }

/* ---- bulk: one message of `size` bytes from a sender to a receiver in
 * another task, by a zero-copy ring (the sender writes into ring slots,
 * the receiver is woken and finds the message in place) or copied through
 * an endpoint a page at a time.  A sample runs from the sender's first
 * write to the moment the receiver holds the whole message; the receiver
 * outranks the sender, so it runs as soon as it can. ---- */

#define BULK_SLOT   PAGE_SIZE
#define BULK_SLOTS  16                      /* 64 KiB: the largest message */
#define BULK_REGION (BULK_SLOT * (BULK_SLOTS + 2))
#define BULK_RING_AT (SHARED_PAGES * PAGE_SIZE - BULK_REGION - PAGE_SIZE)   /* offset in the region */

struct bulkctl {
	volatile uint64_t start;
	uint64_t n, size;
	bool ring;
	volatile int64_t err;
	uint64_t done;       /* root notification slot, signalled by the sender */
	int64_t samples[WL_MAX_ITER + WL_MAX_WARMUP + 1];
};
_Static_assert(sizeof(struct bulkctl) <= BULK_RING_AT, "the control block stays below the ring");

static const struct ring_config bulk_cfg = {
	.variant = RING_BATCHED, .wake = RING_WAKE_ANNOUNCE, .capacity = BULK_SLOTS, .slot_size = BULK_SLOT,
};

static uint64_t bulk_pages(uint64_t size) { return (size + BULK_SLOT - 1) / BULK_SLOT; }

/* Fill `size` bytes with a pattern the receiver checks (in 8-byte words). */
static void bulk_fill(uint64_t *dst, uint64_t size, uint64_t seq)
{
	for (uint64_t i = 0; i < (size + 7) / 8; i++)
		dst[i] = seq ^ i;
}

static void bulk_receiver(uint64_t base)
{
	struct bulkctl *c = (struct bulkctl *)(uintptr_t)base;
	uint64_t pages = bulk_pages(c->size), words = (c->size + 7) / 8;
	if (c->ring) {
		struct ring_waker data = { NULL, ntfn_wait, (void *)(uintptr_t)WSLOT_NTFN0 };
		struct ring_waker space = { ntfn_sig, NULL, (void *)(uintptr_t)WSLOT_NTFN1 };
		struct ring_cons in;
		int e = ring_attach_cons(&in, (void *)(uintptr_t)(base + BULK_RING_AT),
		                         BULK_REGION, &bulk_cfg, &data, &space);
		if (e) {
			c->err = e;
			return;
		}
		for (uint64_t i = 0; i < c->n; i++) {
			const void *first = NULL;
			uint32_t got;
			while ((got = ring_peek_n(&in, (uint32_t)pages, &first)) < pages)
				ring_cons_wait(&in);
			uint64_t t1 = cycles();
			c->samples[i] = (int64_t)(t1 - c->start);
			const uint64_t *m = first;
			if (m[0] != i || m[words - 1] != (i ^ (words - 1)))
				c->err = -1;
			ring_release_n(&in, got);
		}
	} else {
		uint64_t *buf = ipc_buffer();
		for (uint64_t i = 0; i < c->n; i++) {
			struct sysret r = { .err = IPC_E_STATE };
			for (uint64_t p = 0; p < pages; p++)
				r = sys_recv(WSLOT_EP0);
			uint64_t t1 = cycles();
			c->samples[i] = (int64_t)(t1 - c->start);
			uint64_t last = (words - 1) % 512;
			uint64_t got = last < MSG_REG_WORDS ? r.mr[last] : buf[last];
			if (r.err || got != (i ^ (words - 1)))
				c->err = r.err ? r.err : -1;
		}
	}
}

static void bulk_sender(uint64_t base)
{
	struct bulkctl *c = (struct bulkctl *)(uintptr_t)base;
	uint64_t pages = bulk_pages(c->size), words = (c->size + 7) / 8;
	if (c->ring) {
		struct ring_waker data = { ntfn_sig, NULL, (void *)(uintptr_t)WSLOT_NTFN0 };
		struct ring_waker space = { NULL, ntfn_wait, (void *)(uintptr_t)WSLOT_NTFN1 };
		struct ring_prod out;
		int e = ring_attach_prod(&out, (void *)(uintptr_t)(base + BULK_RING_AT),
		                         BULK_REGION, &bulk_cfg, &data, &space);
		if (e) {
			c->err = e;
			sys_signal(WSLOT_EP1, 1);
			return;
		}
		for (uint64_t i = 0; i < c->n; i++) {
			void *first = NULL;
			c->start = cycles();
			while (ring_reserve_n(&out, (uint32_t)pages, &first) < pages)
				ring_prod_wait(&out);
			bulk_fill(first, c->size, i);
			ring_commit_n(&out, (uint32_t)pages);
		}
	} else {
		uint64_t *buf = ipc_buffer();
		for (uint64_t i = 0; i < c->n; i++) {
			c->start = cycles();
			for (uint64_t p = 0; p < pages; p++) {
				uint64_t w = p + 1 < pages ? 512 : words - p * 512;
				uint64_t mr[4];
				/* the message is the page's words: 0..3 in registers, the rest in the buffer */
				for (uint64_t k = 0; k < w; k++) {
					uint64_t v = i ^ (p * 512 + k);
					if (k < MSG_REG_WORDS)
						mr[k] = v;
					else
						buf[k] = v;
				}
				sys_send(WSLOT_EP0, MSG_INFO(w, 0, 0), mr);
			}
		}
	}
	sys_signal(WSLOT_EP1, 1);
}

static int wl_bulk(const struct wl_args *a)
{
	unsigned char *mem = shared_root();
	struct bulkctl *c = (struct bulkctl *)mem;
	uint64_t n = wl_iterations(a), w = (uint64_t)wl_get(a, "warmup");
	c->n = n + w;
	c->size = (uint64_t)wl_get(a, "size");
	c->ring = strcmp(wl_get_choice(a, "mech"), "ring") == 0;
	c->err = 0;
	if (c->ring) {
		int e = ring_init(mem + BULK_RING_AT, BULK_REGION, &bulk_cfg);
		if (e)
			return wl_fail("ring init: %s", ring_strerror(e));
	}
	uint64_t done = root_create(CAP_NTFN, 0);
	uint64_t slots[4] = { root_create(CAP_NTFN, 0), root_create(CAP_NTFN, 0), root_create(CAP_EP, 0), done };
	uint64_t rx = spawn_task(bulk_receiver, 0, 150, "bulk-rx", slots);
	uint64_t tx = spawn_task(bulk_sender, 0, 100, "bulk-tx", slots);
	sys_start(rx);
	sys_start(tx);
	sys_wait(done);
	if (c->err)
		return wl_fail("bulk %s size %lu: a message arrived damaged or setup failed (%ld)",
		               c->ring ? "ring" : "ep", c->size, c->err);
	emit_frame(a, "transfer", 0, 1, c->samples + w, n);
	return 0;
}

static const struct wl_param pushpop_params[] = {
	ITER,
	{ .name = "variant", .def = RING_CACHED - 1, .choices = ring_variant_names },
	{ .name = "slot", .min = RING_SLOT_MIN, .max = RING_SLOT_MAX, .def = 8 },
	{ .name = "path", .def = 0, .choices = path_choices },
};
static const struct wl_param throughput_params[] = {
	ITER,
	{ .name = "variant", .def = RING_CACHED - 1, .choices = ring_variant_names },
	{ .name = "batch", .min = 1, .max = 64, .def = 1 },
	{ .name = "path", .def = 0, .choices = path_choices },
	PLACEMENT_PARAMS,
};

static const char *const mech_choices[] = { "ring", "ep", NULL };
static const struct wl_param bulk_params[] = {
	{ .name = "iterations", .min = 1, .max = WL_MAX_ITER, .def = 100 },
	{ .name = "warmup", .min = 0, .max = WL_MAX_WARMUP, .def = 10 },
	{ .name = "mech", .def = 0, .choices = mech_choices },
	{ .name = "size", .min = 8, .max = BULK_SLOT * BULK_SLOTS, .def = 4096 },
};

const struct wl_desc wl_ring_table[] = {
	{ .name = "ring_pushpop", .summary = "push then pop, one task", PARAMS(pushpop_params), .run = wl_ring_pushpop },
	{ .name = "ring_throughput", .summary = "a batch through the ring, one task", PARAMS(throughput_params), .run = wl_ring_throughput },
	{ .name = "bulk", .summary = "one message of size bytes: zero-copy ring or endpoint copies", PARAMS(bulk_params), .run = wl_bulk },
};
const size_t wl_ring_count = sizeof wl_ring_table / sizeof wl_ring_table[0];
