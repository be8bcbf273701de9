/*
 * ring_pingpong: a round trip over two rings of ipc/ between two address
 * spaces.  The root pushes message i into ring A and waits for it to come
 * back through ring B; the task (the pong) pops each message from A and
 * pushes it into B unchanged.  Both wait by the ring's own wake-up
 * protocol (`wake`: poll spins, every/transition/announce sleep on the
 * runtime's notifications: virt ipclab notifications, Linux `waker`).  A
 * sample is one round trip, from before the push to after the pop.
 *
 * Every message is checked, by the root alone and after its sample: the
 * echo must be message i word for word (word 0 is i, the others derived
 * from the seed, i and the word's index).  The pong checks nothing: on
 * one CPU all the pong does is inside the root's timed window, so a check
 * there would be measured.  For the same reason the deliberate faults
 * (Linux's IPCLAB_DEBUG_CORRUPT, wl_rt_fault) cost the pong nothing: req:N
 * and seq:N are the root's (request N corrupted, or message N+1 sent in
 * place of N), drop:N shortens the pong's loop to N messages (the root's
 * wait for the reply never ends: the runtime's watchdog or deadlock report
 * must end the run).  rep:N is req:N here (only the root checks).
 *
 * Region: the control block, then ring A, then ring B, each ring on pages
 * of its own.  Notifications: 0 A's data, 1 A's space, 2 B's data, 3 B's
 * space.  batched runs as cached (one message in flight: nothing to batch).
 */
#include "wl_rt.h"
#include "wl_shared.h"

#define PAGE 4096u
#define RING_LEN_MIN (64u * 1024)   /* each ring's region at least (the virt rows' layout) */
#define MAX_WORDS (RING_SLOT_MAX / 8)

struct ppctl {
	uint64_t n;        /* messages the pong answers */
	uint64_t ring_len;
	struct ring_config cfg;
	uint32_t spin;
};

/* The message buffers: static, so that nothing of their setup is in a
 * timed window (and a task's are its own: its data is private). */
static uint64_t msg[MAX_WORDS], back[MAX_WORDS];

/* The ring's generic push and pop as real calls (noipa: neither inlined nor
 * specialized for their arguments), never folded into the
 * loops: what a task using the library's generic interface runs, and a
 * count that does not move with the inlining choices of this file (GCC
 * inlines a static inline function or not by how many callers its file
 * has).  The waits are ring.h's ring_push_wait/ring_pop_wait, spelled out. */
static __attribute__((noipa)) int push1(struct ring_prod *p, const void *m)
{
	return ring_push(p, m);
}

static __attribute__((noipa)) int pop1(struct ring_cons *c, void *m)
{
	return ring_pop(c, m);
}

static inline void push_wait(struct ring_prod *p, const void *m)
{
	while (push1(p, m) != RING_OK)
		ring_prod_wait(p);
}

/* The first pop peeled off the loop, as GCC lays out ring_pop_wait in the
 * virt rows' original file: the same instructions run on every path. */
static inline void pop_wait(struct ring_cons *c, void *m)
{
	if (pop1(c, m) == RING_OK)
		return;
	do
		ring_cons_wait(c);
	while (pop1(c, m) != RING_OK);
}

static uint64_t word(uint64_t seed, uint64_t i, uint64_t k)
{
	if (k == 0)
		return i;
	uint64_t x = (seed + 1) * 0x9e3779b97f4a7c15ull ^ (i << 20) ^ k;
	x ^= x >> 31;
	return x * 0xbf58476d1ce4e5b9ull;
}

static void pong(void *shared, unsigned id)
{
	struct ppctl *c = shared;
	unsigned char *mem = shared;
	struct ring_cons in;
	struct ring_prod out;
	struct ring_waker ad = wl_rt_waker(0), as = wl_rt_waker(1);
	struct ring_waker bd = wl_rt_waker(2), bs = wl_rt_waker(3);
	(void)id;
	int e = ring_attach_cons(&in, mem + PAGE, c->ring_len, &c->cfg, &ad, &as);
	if (!e)
		e = ring_attach_prod(&out, mem + PAGE + c->ring_len, c->ring_len, &c->cfg, &bd, &bs);
	if (e) {
		wl_rt_fail("ring_pingpong: the pong's attach: %s", ring_strerror(e));
		return;
	}
	in.spin = out.spin = c->spin;
	for (uint64_t i = 0; i < c->n; i++) {
		pop_wait(&in, msg);
		push_wait(&out, msg);
	}
}

static int run(const struct wl_args *a)
{
	if (wl_rt_begin(a, WL_RT_READS))
		return 1;
	uint64_t n = (uint64_t)wl_get(a, "iterations"), w = (uint64_t)wl_get(a, "warmup");
	uint64_t size = wl_get(a, "size") ? (uint64_t)wl_get(a, "size") : 8;   /* virt: 8 bytes */
	uint64_t seed = (uint64_t)wl_get(a, "seed"), words = size / 8, at;
	if (size % 8 != 0)
		return wl_rt_fail("ring_pingpong: size=%lu is not a multiple of 8 (ring slots are)",
		                  (unsigned long)size);
	struct ring_config cfg = { .variant = (enum ring_variant)(wl_get(a, "variant") + 1),
	                           .wake = (enum ring_wake)(wl_get(a, "wake") + 1),
	                           .capacity = 16, .slot_size = (uint32_t)size };
	if (cfg.variant == RING_BATCHED)
		cfg.variant = RING_CACHED;   /* one message in flight: batching has nothing to batch */
	uint64_t len = ring_region_size(&cfg);
	len = (len < RING_LEN_MIN ? RING_LEN_MIN : len + PAGE - 1) / PAGE * PAGE;
	enum wl_rt_fault fault = wl_rt_fault(&at);
	int64_t *s = wl_rt_samples(n);
	unsigned char *mem = wl_rt_shared(PAGE + 2 * len);
	if (!s || !mem)
		return 1;
	struct ppctl *c = (struct ppctl *)mem;
	c->n = fault == WL_RT_FAULT_DROP && at < n + w ? at : n + w;
	c->ring_len = len;
	c->cfg = cfg;
	c->spin = (uint32_t)wl_get(a, "spin");
	int e = ring_init(mem + PAGE, len, &cfg);
	if (!e)
		e = ring_init(mem + PAGE + len, len, &cfg);
	if (e)
		return wl_rt_fail("ring_pingpong: variant=%s wake=%s: ring_init says: %s",
		                  wl_get_choice(a, "variant"), wl_get_choice(a, "wake"), ring_strerror(e));
	if (wl_rt_ntfns(4) || wl_rt_spawn(pong, 1, WL_RT_PEER, 0, "pong"))
		return 1;
	struct ring_prod out;
	struct ring_cons in;
	struct ring_waker ad = wl_rt_waker(0), as = wl_rt_waker(1);
	struct ring_waker bd = wl_rt_waker(2), bs = wl_rt_waker(3);
	e = ring_attach_prod(&out, mem + PAGE, len, &cfg, &ad, &as);
	if (!e)
		e = ring_attach_cons(&in, mem + PAGE + len, len, &cfg, &bd, &bs);
	if (e)
		return wl_rt_fail("ring_pingpong: attach: %s", ring_strerror(e));
	out.spin = in.spin = c->spin;
	if (wl_rt_start())
		return 1;
	for (uint64_t i = 0; i < n + w; i++) {
		uint64_t sent = fault == WL_RT_FAULT_SEQ && i == at ? i + 1 : i;
		for (uint64_t k = 0; k < words; k++)
			msg[k] = word(seed, sent, k);
		if ((fault == WL_RT_FAULT_REQ || fault == WL_RT_FAULT_REP) && i == at)
			msg[words - 1] ^= 1ull << 63;
		uint64_t t0 = wl_rt_count_start();
		push_wait(&out, msg);
		pop_wait(&in, back);
		uint64_t t1 = wl_rt_count_stop();
		if (back[0] != i)
			return wl_rt_fail("ring_pingpong: round trip %lu came back as message %lu",
			                  (unsigned long)i, (unsigned long)back[0]);
		for (uint64_t k = 1; k < words; k++)
			if (back[k] != word(seed, i, k))
				return wl_rt_fail("ring_pingpong: round trip %lu came back corrupt: "
				                  "word %lu of %lu", (unsigned long)i, (unsigned long)k,
				                  (unsigned long)words);
		if (i >= w)
			s[i - w] = wl_rt_sample(t0, t1);
	}
	if (wl_rt_finish())
		return 1;
	return wl_rt_frame(a, "rtt", 1, s, n);
}

static const struct wl_param params[] = {
	WL_RT_PARAMS(200, 10, 1)
	WL_RT_SIZE_PARAM(8, RING_SLOT_MAX, 64)
	{ .name = "variant", .def = RING_CACHED - 1, .choices = ring_variant_names },
	{ .name = "wake", .def = RING_WAKE_ANNOUNCE - 1, .choices = ring_wake_names },
	WL_RT_WAKER_PARAMS
	WL_RT_SPIN_PARAM
};

const struct wl_desc wl_ring_pingpong = {
	.name = "ring_pingpong", .summary = "round trip over two rings between two tasks",
	.params = params, .nparams = sizeof params / sizeof params[0], .run = run,
};
