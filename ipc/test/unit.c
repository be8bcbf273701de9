/*
 * unit.c: single-threaded tests of every ring variant: empty and full edges,
 * wrap-around many times over, every slot size, zero-copy and batches,
 * attach errors (and random corruption that must never crash), and the
 * signalling decisions of every wake-up protocol.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ring.h"

static int failures;
static int checks;

#define CHECK(cond, ...)                                                          \
	do {                                                                      \
		checks++;                                                         \
		if (!(cond)) {                                                    \
			failures++;                                               \
			if (failures <= 30) {                                     \
				fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, \
					__LINE__, #cond);                         \
				fprintf(stderr, __VA_ARGS__);                     \
				fputc('\n', stderr);                              \
			}                                                         \
		}                                                                 \
	} while (0)

static const enum ring_variant variants[] = { RING_NAIVE, RING_CACHED, RING_BATCHED,
					      RING_STAMPED, RING_MPSC, RING_MPMC };
#define NVARIANTS (sizeof variants / sizeof variants[0])

/* 8-byte aligned region, big enough for every test here. */
static uint64_t region_words[(7 * RING_LINE + 65 * (RING_SLOT_MAX + 8)) / 8 + 1];
static void *const region = region_words;
static const size_t region_len = sizeof region_words;

/* A message: every 8-byte word derived from its sequence number, so that a
 * torn or misplaced slot shows. */
static void fill_msg(unsigned char *dst, uint32_t size, uint64_t seq)
{
	for (uint32_t w = 0; w < size / 8; w++) {
		uint64_t v = seq * 0x9e3779b97f4a7c15ull + w;
		memcpy(dst + 8 * w, &v, 8);
	}
}

static bool msg_ok(const unsigned char *src, uint32_t size, uint64_t seq)
{
	for (uint32_t w = 0; w < size / 8; w++) {
		uint64_t v;
		memcpy(&v, src + 8 * w, 8);
		if (v != seq * 0x9e3779b97f4a7c15ull + w)
			return false;
	}
	return true;
}

static int setup(struct ring_prod *p, struct ring_cons *c, enum ring_variant v,
		 enum ring_wake wake, uint32_t cap, uint32_t slot,
		 const struct ring_waker *data, const struct ring_waker *space)
{
	struct ring_config cfg = { v, wake, cap, slot };
	int err = ring_init(region, region_len, &cfg);
	if (err == RING_OK)
		err = ring_attach_prod(p, region, region_len, &cfg, data, space);
	if (err == RING_OK)
		err = ring_attach_cons(c, region, region_len, &cfg, data, space);
	return err;
}

/* ---- configuration checks ----------------------------------------------- */

static void test_config(void)
{
	struct { struct ring_config cfg; int want; } rows[] = {
		{ { RING_CACHED, RING_WAKE_POLL, 8, 8 }, RING_OK },
		{ { RING_NAIVE, RING_WAKE_EVERY, 7, 4096 }, RING_OK },     /* naive: any capacity */
		{ { RING_CACHED, RING_WAKE_POLL, 7, 8 }, RING_EARG },      /* not a power of two */
		{ { RING_MPSC, RING_WAKE_POLL, 12, 8 }, RING_EARG },
		{ { RING_CACHED, RING_WAKE_POLL, 0, 8 }, RING_EARG },
		{ { RING_CACHED, RING_WAKE_POLL, RING_CAPACITY_MAX * 2, 8 }, RING_EARG },
		{ { RING_CACHED, RING_WAKE_POLL, RING_CAPACITY_MAX, 4096 }, RING_EARG }, /* 4 GiB */
		{ { RING_CACHED, RING_WAKE_POLL, RING_CAPACITY_MAX, 1024 }, RING_OK },   /* 1 GiB */
		{ { RING_CACHED, RING_WAKE_POLL, 8, 0 }, RING_EARG },
		{ { RING_CACHED, RING_WAKE_POLL, 8, 4 }, RING_EARG },
		{ { RING_CACHED, RING_WAKE_POLL, 8, 12 }, RING_EARG },     /* not a multiple of 8 */
		{ { RING_CACHED, RING_WAKE_POLL, 8, 4104 }, RING_EARG },
		{ { 0, RING_WAKE_POLL, 8, 8 }, RING_EARG },
		{ { RING_VARIANT_END, RING_WAKE_POLL, 8, 8 }, RING_EARG },
		{ { RING_CACHED, 0, 8, 8 }, RING_EARG },
		{ { RING_CACHED, RING_WAKE_END, 8, 8 }, RING_EARG },
		{ { RING_MPMC, RING_WAKE_ANNOUNCE, 8, 8 }, RING_EUNSUPPORTED },
		{ { RING_MPSC, RING_WAKE_ANNOUNCE, 8, 8 }, RING_OK },
		{ { RING_STAMPED, RING_WAKE_ANNOUNCE, 8, 8 }, RING_OK },
		{ { RING_STAMPED, RING_WAKE_POLL, 6, 8 }, RING_EARG },
		{ { RING_MPMC, RING_WAKE_POLL, 1, 8 }, RING_EARG },      /* sequence ring of one */
		{ { RING_CACHED, RING_WAKE_POLL, 1, 8 }, RING_OK },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int got = ring_config_check(&rows[i].cfg);
		CHECK(got == rows[i].want, "row %zu: got %s want %s", i, ring_strerror(got),
		      ring_strerror(rows[i].want));
		CHECK((ring_region_size(&rows[i].cfg) != 0) == (rows[i].want == RING_OK), "row %zu", i);
		int want_init = rows[i].want == RING_OK && ring_region_size(&rows[i].cfg) > region_len
					? RING_ESMALL : rows[i].want;
		got = ring_init(region, region_len, &rows[i].cfg);
		CHECK(got == want_init, "init row %zu: %s", i, ring_strerror(got));
	}
	CHECK(ring_config_check(NULL) == RING_EARG, "NULL config");
	struct ring_config big = { RING_CACHED, RING_WAKE_POLL, 1024, 4096 };
	CHECK(ring_init(region, region_len, &big) == RING_ESMALL, "region too small");
}

/* ---- edges, wrap, every slot size ------------------------------------------ */

/* Push with the copying or the zero-copy interface (alternating). */
static int push_one(struct ring_prod *p, uint64_t seq, bool zero_copy)
{
	if (!zero_copy) {
		unsigned char buf[RING_SLOT_MAX];
		fill_msg(buf, p->slot_size, seq);
		return ring_push(p, buf);
	}
	unsigned char *s = ring_reserve(p);
	if (!s)
		return RING_EFULL;
	fill_msg(s, p->slot_size, seq);
	ring_commit(p);
	return RING_OK;
}

static int pop_one(struct ring_cons *c, uint64_t seq, bool zero_copy, bool *ok)
{
	if (!zero_copy) {
		unsigned char buf[RING_SLOT_MAX];
		int err = ring_pop(c, buf);
		if (err == RING_OK)
			*ok = msg_ok(buf, c->slot_size, seq);
		return err;
	}
	const unsigned char *s = ring_peek(c);
	if (!s)
		return RING_EEMPTY;
	*ok = msg_ok(s, c->slot_size, seq);
	ring_release(c);
	return RING_OK;
}

static void edges_and_wrap(enum ring_variant v, uint32_t cap, uint32_t slot)
{
	struct ring_prod p;
	struct ring_cons c;
	const char *vn = ring_variant_name(v);
	int err = setup(&p, &c, v, RING_WAKE_POLL, cap, slot, NULL, NULL);
	CHECK(err == RING_OK, "%s cap %u slot %u: setup %s", vn, cap, slot, ring_strerror(err));
	if (err != RING_OK)
		return;
	bool ok = false;
	CHECK(ring_peek(&c) == NULL, "%s: peek on an empty ring", vn);
	CHECK(pop_one(&c, 0, false, &ok) == RING_EEMPTY, "%s: pop on an empty ring", vn);

	/* Fill exactly to capacity, then one more must fail. */
	uint64_t next_in = 0, next_out = 0;
	for (uint32_t i = 0; i < cap; i++) {
		err = push_one(&p, next_in, i & 1);
		CHECK(err == RING_OK, "%s cap %u slot %u: push %u of %u: %s", vn, cap, slot, i,
		      cap, ring_strerror(err));
		next_in++;
	}
	CHECK(push_one(&p, next_in, false) == RING_EFULL, "%s cap %u: push on a full ring", vn, cap);
	CHECK(ring_reserve(&p) == NULL, "%s: reserve on a full ring", vn);
	for (uint32_t i = 0; i < cap; i++) {
		ok = false;
		err = pop_one(&c, next_out, i & 1, &ok);
		CHECK(err == RING_OK && ok, "%s cap %u slot %u: pop %u: %s, content %s", vn, cap,
		      slot, i, ring_strerror(err), ok ? "ok" : "wrong");
		next_out++;
	}
	CHECK(pop_one(&c, next_out, false, &ok) == RING_EEMPTY, "%s: pop after draining", vn);

	/* Wrap around many times, at every fill level. */
	uint32_t rounds = 10 * cap + 7;
	for (uint32_t r = 0; r < rounds; r++) {
		uint32_t k = r % cap + 1;
		for (uint32_t i = 0; i < k; i++) {
			err = push_one(&p, next_in, (r + i) & 1);
			CHECK(err == RING_OK, "%s wrap r %u: push %s", vn, r, ring_strerror(err));
			next_in++;
		}
		for (uint32_t i = 0; i < k; i++) {
			ok = false;
			err = pop_one(&c, next_out, (r + i + 1) & 1, &ok);
			CHECK(err == RING_OK && ok, "%s cap %u slot %u wrap r %u: pop seq %llu %s",
			      vn, cap, slot, r, (unsigned long long)next_out, ring_strerror(err));
			next_out++;
		}
		CHECK(ring_peek(&c) == NULL, "%s wrap r %u: not empty after draining", vn, r);
	}
	/* Half full, then wrap with one message in flight. */
	for (uint32_t r = 0; r < 3 * cap; r++) {
		CHECK(push_one(&p, next_in++, false) == RING_OK, "%s: in-flight push", vn);
		ok = false;
		CHECK(pop_one(&c, next_out++, true, &ok) == RING_OK && ok, "%s: in-flight pop", vn);
	}
	/* A reserve without commit publishes nothing. */
	CHECK(ring_reserve(&p) != NULL, "%s: reserve", vn);
	CHECK(ring_peek(&c) == NULL, "%s: uncommitted slot visible", vn);
}

static void test_edges(void)
{
	static const uint32_t caps[] = { 1, 2, 4, 64 };
	for (size_t vi = 0; vi < NVARIANTS; vi++) {
		for (size_t ci = 0; ci < sizeof caps / sizeof caps[0]; ci++)
			if (caps[ci] > 1 || (variants[vi] != RING_MPSC && variants[vi] != RING_MPMC))
				edges_and_wrap(variants[vi], caps[ci], 8);
		edges_and_wrap(RING_NAIVE, 3, 8);
		edges_and_wrap(RING_NAIVE, 5, 24);
		/* every slot size */
		for (uint32_t slot = RING_SLOT_MIN; slot <= RING_SLOT_MAX; slot += 8)
			edges_and_wrap(variants[vi], slot > 512 ? 2 : 4, slot);
	}
}

/* ---- batches ------------------------------------------------------------------ */

static void test_batches(enum ring_variant v)
{
	struct ring_prod p;
	struct ring_cons c;
	CHECK(setup(&p, &c, v, RING_WAKE_POLL, 8, 16, NULL, NULL) == RING_OK, "setup");
	void *w;
	const void *r;
	uint64_t in = 0, out = 0;

	/* 5 in, 5 out: both indices at 5. */
	CHECK(ring_reserve_n(&p, 5, &w) == 5, "reserve 5 of 8 free");
	for (int i = 0; i < 5; i++)
		fill_msg((unsigned char *)w + p.stride * i, 16, in++);
	CHECK(ring_peek_n(&c, 8, &r) == 0, "nothing visible before commit");
	ring_commit_n(&p, 5);
	CHECK(ring_peek_n(&c, 8, &r) == 5, "5 visible after commit");
	for (int i = 0; i < 5; i++)
		CHECK(msg_ok((const unsigned char *)r + c.stride * i, 16, out++), "batch content %d", i);
	ring_release_n(&c, 5);

	/* 8 free but only 3 contiguous before the end of the array. */
	CHECK(ring_reserve_n(&p, 8, &w) == 3, "reserve stops at the end of the array");
	for (int i = 0; i < 3; i++)
		fill_msg((unsigned char *)w + p.stride * i, 16, in++);
	ring_commit_n(&p, 3);
	CHECK(ring_reserve_n(&p, 8, &w) == 5, "5 free from the start of the array");
	for (int i = 0; i < 5; i++)
		fill_msg((unsigned char *)w + p.stride * i, 16, in++);
	ring_commit_n(&p, 5);
	CHECK(ring_reserve_n(&p, 1, &w) == 0, "full");
	CHECK(ring_push(&p, w) == RING_EFULL, "full for single push too");
	CHECK(ring_peek_n(&c, 100, &r) == 3, "peek stops at the end of the array");
	for (int i = 0; i < 3; i++)
		CHECK(msg_ok((const unsigned char *)r + c.stride * i, 16, out++), "wrap content %d", i);
	ring_release_n(&c, 3);
	CHECK(ring_peek_n(&c, 2, &r) == 2, "peek honours max");
	ring_release_n(&c, 2);
	CHECK(ring_peek_n(&c, 100, &r) == 3, "rest");
	out += 2;
	for (int i = 0; i < 3; i++)
		CHECK(msg_ok((const unsigned char *)r + c.stride * i, 16, out++), "rest content %d", i);
	ring_release_n(&c, 3);
	CHECK(ring_peek_n(&c, 100, &r) == 0, "empty");

	/* Many laps with odd batch sizes, single and batched ops mixed. */
	for (uint32_t lap = 0; lap < 1000; lap++) {
		uint32_t want = lap % 9 + 1, got = ring_reserve_n(&p, want, &w);
		for (uint32_t i = 0; i < got; i++)
			fill_msg((unsigned char *)w + p.stride * i, 16, in++);
		ring_commit_n(&p, got);
		unsigned char buf[16];
		fill_msg(buf, 16, in);
		if (ring_push(&p, buf) == RING_OK)
			in++;
		uint32_t n = ring_peek_n(&c, lap % 5 + 1, &r);
		for (uint32_t i = 0; i < n; i++)
			CHECK(msg_ok((const unsigned char *)r + c.stride * i, 16, out++), "lap %u", lap);
		ring_release_n(&c, n);
		if (ring_pop(&c, buf) == RING_OK)
			CHECK(msg_ok(buf, 16, out++), "lap %u single", lap);
		CHECK(in - out <= 8, "lap %u: %llu in flight", lap, (unsigned long long)(in - out));
	}
	CHECK(in > 3000, "laps moved messages (%llu)", (unsigned long long)in);
}

/* The 8-byte fast paths against the generic ones, across many laps. */
static bool push64(struct ring_prod *p, uint64_t v)
{
	return p->variant == RING_STAMPED ? ring_stamped_push64_w(p, v, RING_WAKE_POLL)
					  : ring_spsc_push64_w(p, v, RING_WAKE_POLL);
}

static bool pop64(struct ring_cons *c, uint64_t *v)
{
	return c->variant == RING_STAMPED ? ring_stamped_pop64_w(c, v, RING_WAKE_POLL)
					  : ring_spsc_pop64_w(c, v, RING_WAKE_POLL);
}

static void test_push64(enum ring_variant variant)
{
	struct ring_prod p;
	struct ring_cons c;
	CHECK(setup(&p, &c, variant, RING_WAKE_POLL, 4, 8, NULL, NULL) == RING_OK, "setup");
	uint64_t in = 0, out = 0, v;
	for (int lap = 0; lap < 100; lap++) {
		int k = lap % 4 + 1;
		for (int i = 0; i < k; i++)
			CHECK(push64(&p, in++), "push64 lap %d", lap);
		if (k == 4)
			CHECK(!push64(&p, in), "push64 on a full ring");
		for (int i = 0; i < k; i++) {
			CHECK(pop64(&c, &v) && v == out, "pop64 lap %d", lap);
			out++;
		}
		CHECK(!pop64(&c, &v), "pop64 on an empty ring");
		/* interleave with the generic interface */
		unsigned char buf[8];
		memcpy(buf, &in, 8);
		CHECK(ring_push(&p, buf) == RING_OK, "push");
		in++;
		CHECK(pop64(&c, &v) && v == out++, "pop64 after push");
	}
}

/* Batches of 8-byte words through the copying batch calls: every batch size,
 * partial batches at the end of the array, values in order. */
static void test_push_n64(void)
{
	struct ring_prod p;
	struct ring_cons c;
	CHECK(setup(&p, &c, RING_BATCHED, RING_WAKE_POLL, 16, 8, NULL, NULL) == RING_OK, "setup");
	uint64_t in[40], out[40], next_in = 0, next_out = 0;
	for (uint32_t lap = 0; lap < 2000; lap++) {
		uint32_t want = lap % 37 + 1;
		for (uint32_t i = 0; i < want && i < 40; i++)
			in[i] = next_in + i;
		uint32_t k = ring_spsc_push_n64_w(&p, in, want, RING_WAKE_POLL);
		CHECK(k <= want && k <= 16, "push_n64 lap %u: %u of %u", lap, k, want);
		next_in += k;
		uint32_t m = ring_spsc_pop_n64_w(&c, out, lap % 23 + 1, RING_WAKE_POLL);
		for (uint32_t i = 0; i < m; i++)
			CHECK(out[i] == next_out + i, "pop_n64 lap %u word %u: %llu", lap, i,
			      (unsigned long long)out[i]);
		next_out += m;
		CHECK(next_in - next_out <= 16, "lap %u: in flight", lap);
	}
	CHECK(next_out > 10000, "batches moved messages (%llu)", (unsigned long long)next_out);
}

static void test_batches_other_variants(void)
{
	struct ring_prod p;
	struct ring_cons c;
	void *w;
	const void *r;
	CHECK(setup(&p, &c, RING_NAIVE, RING_WAKE_POLL, 8, 8, NULL, NULL) == RING_OK, "setup");
	CHECK(ring_reserve_n(&p, 4, &w) == 0, "naive has no batches");
	CHECK(ring_peek_n(&c, 4, &r) == 0, "naive has no batches");
}

/* ---- attach errors --------------------------------------------------------------- */

static uint32_t fnv(const struct ring_hdr *h)
{
	const unsigned char *b = (const unsigned char *)h;
	uint32_t x = 2166136261u;
	for (size_t i = 0; i < offsetof(struct ring_hdr, check); i++)
		x = (x ^ b[i]) * 16777619u;
	return x;
}

static void test_attach_errors(void)
{
	struct ring_config cfg = { RING_CACHED, RING_WAKE_POLL, 16, 8 };
	struct ring_prod p;
	struct ring_cons c;
	struct ring_hdr *h = region;
	size_t size = ring_region_size(&cfg);

#define ATTACH_IS(want, expect, what)                                              \
	do {                                                                       \
		int got_ = ring_attach_prod(&p, region, region_len, expect, NULL, NULL); \
		CHECK(got_ == (want), "%s: prod got %s", what, ring_strerror(got_)); \
		got_ = ring_attach_cons(&c, region, region_len, expect, NULL, NULL);  \
		CHECK(got_ == (want), "%s: cons got %s", what, ring_strerror(got_)); \
	} while (0)
#define FRESH() CHECK(ring_init(region, region_len, &cfg) == RING_OK, "init")

	FRESH();
	ATTACH_IS(RING_OK, &cfg, "valid");
	ATTACH_IS(RING_OK, NULL, "valid, no expectation");
	CHECK(ring_attach_prod(NULL, region, region_len, &cfg, NULL, NULL) == RING_EARG, "NULL handle");
	CHECK(ring_attach_prod(&p, NULL, region_len, &cfg, NULL, NULL) == RING_EARG, "NULL region");
	CHECK(ring_attach_cons(&c, (char *)region + 4, region_len - 4, &cfg, NULL, NULL) == RING_EALIGN,
	      "misaligned");
	CHECK(ring_attach_prod(&p, region, 100, &cfg, NULL, NULL) == RING_ESMALL, "tiny region");
	CHECK(ring_attach_prod(&p, region, size - 1, &cfg, NULL, NULL) == RING_ESMALL, "short region");
	CHECK(ring_attach_prod(&p, region, size, &cfg, NULL, NULL) == RING_OK, "exact region");

	struct ring_config other = cfg;
	other.variant = RING_NAIVE;
	ATTACH_IS(RING_EVARIANT, &other, "variant mismatch");
	other = cfg;
	other.wake = RING_WAKE_ANNOUNCE;
	ATTACH_IS(RING_EWAKE, &other, "wake mismatch");
	other = cfg;
	other.capacity = 32;
	ATTACH_IS(RING_EGEOMETRY, &other, "capacity mismatch");
	other = cfg;
	other.slot_size = 16;
	ATTACH_IS(RING_EGEOMETRY, &other, "slot mismatch");

	FRESH();
	h->magic ^= 1;
	ATTACH_IS(RING_EMAGIC, &cfg, "magic");
	memset(region, 0, 4096);
	ATTACH_IS(RING_EMAGIC, NULL, "zeroed memory");
	FRESH();
	h->version = 2;
	ATTACH_IS(RING_EVERSION, &cfg, "version");
	FRESH();
	h->capacity = 1u << 30;
	ATTACH_IS(RING_ECORRUPT, NULL, "checksum");
	/* Consistent checksum, nonsense fields. */
	struct { const char *what; size_t off; uint32_t val; } lies[] = {
		{ "capacity", offsetof(struct ring_hdr, capacity), 1u << 30 },
		{ "capacity not pow2", offsetof(struct ring_hdr, capacity), 12 },
		{ "slot size", offsetof(struct ring_hdr, slot_size), 12 },
		{ "nslots", offsetof(struct ring_hdr, nslots), 1u << 20 },
		{ "stride", offsetof(struct ring_hdr, stride), 4096 },
		{ "head offset", offsetof(struct ring_hdr, head_off), 1u << 31 },
		{ "head offset wrapping", offsetof(struct ring_hdr, head_off), 0xfffffffcu },
		{ "tail offset", offsetof(struct ring_hdr, tail_off), 2 },
		{ "tail = head", offsetof(struct ring_hdr, tail_off), RING_LINE },
		{ "flag offset", offsetof(struct ring_hdr, cons_flag_off), 0 },
		{ "word offset", offsetof(struct ring_hdr, data_word_off), 7 * RING_LINE },
		{ "slots offset", offsetof(struct ring_hdr, slots_off), 0 },
		{ "total size", offsetof(struct ring_hdr, total_size), 1u << 31 },
	};
	for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
		FRESH();
		memcpy((char *)region + lies[i].off, &lies[i].val, 4);
		h->check = fnv(h);
		ATTACH_IS(RING_ECORRUPT, NULL, lies[i].what);
	}
	FRESH();
	h->variant = 9;
	h->check = fnv(h);
	ATTACH_IS(RING_ECORRUPT, NULL, "variant out of range");
	FRESH();
	h->wake = 0;
	h->check = fnv(h);
	ATTACH_IS(RING_ECORRUPT, NULL, "wake out of range");

	/* Impossible indices. */
	FRESH();
	atomic_store((_Atomic uint32_t *)(void *)((char *)region + h->head_off), 17);
	ATTACH_IS(RING_ECORRUPT, NULL, "head - tail > capacity");
	FRESH();
	atomic_store((_Atomic uint32_t *)(void *)((char *)region + h->tail_off), 1);
	ATTACH_IS(RING_ECORRUPT, NULL, "tail ahead of head");
	struct ring_config naive = { RING_NAIVE, RING_WAKE_POLL, 5, 8 };
	CHECK(ring_init(region, region_len, &naive) == RING_OK, "naive init");
	atomic_store((_Atomic uint32_t *)(void *)((char *)region + h->head_off), 6);
	ATTACH_IS(RING_ECORRUPT, NULL, "naive head beyond slots");

	/* Blocking protocols need their wakers. */
	struct ring_config blk = { RING_CACHED, RING_WAKE_ANNOUNCE, 16, 8 };
	CHECK(ring_init(region, region_len, &blk) == RING_OK, "init");
	ATTACH_IS(RING_EARG, &blk, "announce without wakers");

	/* ring_word and ring_read_config refuse a bad region. */
	CHECK(ring_word(region, region_len, RING_WORD_DATA) != NULL, "ring_word on a ring");
	struct ring_config back;
	CHECK(ring_read_config(region, region_len, &back) == RING_OK && back.wake == RING_WAKE_ANNOUNCE &&
	      back.capacity == 16, "read_config");
	h->magic = 0;
	CHECK(ring_word(region, region_len, RING_WORD_DATA) == NULL, "ring_word on garbage");
	CHECK(ring_read_config(region, region_len, &back) == RING_EMAGIC, "read_config on garbage");
#undef ATTACH_IS
#undef FRESH
}

/* Random corruption of the header and control words: attach returns some
 * code and never crashes; when it accepts, operations stay inside the
 * region (ASan checks that in the sanitizer build). */
static void test_fuzz_attach(void)
{
	uint64_t x = 88172645463325252ull;
	int accepted = 0;
	for (int iter = 0; iter < 20000; iter++) {
		struct ring_config cfg = { variants[iter % NVARIANTS], RING_WAKE_POLL, 4, 8 * (1 + iter % 3) };
		CHECK(ring_init(region, region_len, &cfg) == RING_OK, "init");
		int flips = 1 + iter % 4;
		for (int f = 0; f < flips; f++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			size_t byte = (x >> 8) % (7 * RING_LINE);
			((unsigned char *)region)[byte] ^= (unsigned char)(1u << (x % 8));
		}
		struct ring_prod p;
		struct ring_cons c;
		int e1 = ring_attach_prod(&p, region, region_len, NULL, NULL, NULL);
		int e2 = ring_attach_cons(&c, region, region_len, NULL, NULL, NULL);
		CHECK(e1 >= RING_OK && e1 < RING_ERR_COUNT && e2 >= RING_OK && e2 < RING_ERR_COUNT,
		      "codes in range");
		if (e1 == RING_OK && e2 == RING_OK) {
			accepted++;
			if (p.variant == RING_MPMC || p.variant == RING_MPSC)
				continue;  /* a flipped index could make a CAS loop wait for ever */
			unsigned char buf[RING_SLOT_MAX] = { 0 };
			for (int k = 0; k < 6; k++)
				(void)ring_push(&p, buf);
			for (int k = 0; k < 6; k++)
				(void)ring_pop(&c, buf);
		}
	}
	CHECK(accepted > 0, "some flips only touch unused bytes and are accepted");
}

/* ---- wake-up protocol decisions ------------------------------------------------ */

struct counter {
	int signals;
	int waits;
	struct ring_prod *p;   /* wait() may play the other side */
	struct ring_cons *c;
	_Atomic uint32_t *flag_seen;
	uint32_t flag_at_wait;
};

static void count_signal(void *ctx) { ((struct counter *)ctx)->signals++; }

/* A consumer's wait: as if the producer ran while the consumer slept. */
static void wait_then_push(void *ctx)
{
	struct counter *k = ctx;
	k->waits++;
	k->flag_at_wait = atomic_load(k->flag_seen);
	unsigned char buf[8] = { 0 };
	CHECK(ring_push(k->p, buf) == RING_OK, "push from wait");
}

/* A producer's wait: as if the consumer ran while the producer slept. */
static void wait_then_pop(void *ctx)
{
	struct counter *k = ctx;
	k->waits++;
	k->flag_at_wait = atomic_load(k->flag_seen);
	unsigned char buf[8];
	CHECK(ring_pop(k->c, buf) == RING_OK, "pop from wait");
}

static void test_wake(enum ring_variant v)
{
	const char *vn = ring_variant_name(v);
	bool mp = v == RING_MPSC;
	for (enum ring_wake w = RING_WAKE_POLL; w < RING_WAKE_END; w++) {
		struct counter data = { 0 }, space = { 0 };
		struct ring_waker dw = { count_signal, wait_then_push, &data };
		struct ring_waker sw = { count_signal, wait_then_pop, &space };
		struct ring_prod p;
		struct ring_cons c;
		int err = setup(&p, &c, v, w, 4, 8, &dw, &sw);
		CHECK(err == RING_OK, "%s/%s setup: %s", vn, ring_wake_name(w), ring_strerror(err));
		if (err != RING_OK)
			continue;
		data.p = &p, data.c = &c, data.flag_seen = p.cons_flag;
		space.p = &p, space.c = &c, space.flag_seen = p.prod_flag;
		unsigned char buf[8] = { 0 };
		const char *wn = ring_wake_name(w);

		/* Data direction: push into empty, push into non-empty. */
		CHECK(ring_push(&p, buf) == RING_OK, "push");
		int first = data.signals;
		CHECK(ring_push(&p, buf) == RING_OK, "push");
		int second = data.signals - first;
		switch (w) {
		case RING_WAKE_POLL:
		case RING_WAKE_ANNOUNCE:   /* nobody announced a sleep */
			CHECK(first == 0 && second == 0, "%s/%s: %d %d signals", vn, wn, first, second);
			break;
		case RING_WAKE_EVERY:
			CHECK(first == 1 && second == 1, "%s/%s: %d %d signals", vn, wn, first, second);
			break;
		case RING_WAKE_TRANSITION:
			CHECK(first == 1 && second == 0, "%s/%s: %d %d signals", vn, wn, first, second);
			break;
		default:
			break;
		}
		if (w == RING_WAKE_ANNOUNCE) {
			/* A consumer that announced gets exactly one signal, and the
			 * flag is taken so that the next push does not signal again. */
			atomic_store(p.cons_flag, 1);
			CHECK(ring_push(&p, buf) == RING_OK, "push");
			CHECK(data.signals == 1 && atomic_load(p.cons_flag) == 0,
			      "%s/announce: %d signals, flag %u", vn, data.signals,
			      atomic_load(p.cons_flag));
			CHECK(ring_push(&p, buf) == RING_OK, "push");
			CHECK(data.signals == 1, "%s/announce: signalled without a sleeper", vn);
		}
		/* Drain; then a consumer wait with nothing there sleeps (after
		 * announcing, for ANNOUNCE) and is woken by the push. */
		while (ring_pop(&c, buf) == RING_OK)
			;
		int before = data.signals;
		if (w != RING_WAKE_POLL) {
			ring_cons_wait(&c);
			CHECK(data.waits == 1, "%s/%s: consumer slept %d times", vn, wn, data.waits);
			if (w == RING_WAKE_ANNOUNCE) {
				CHECK(data.flag_at_wait == 1, "%s: slept without announcing", vn);
				CHECK(data.signals == before + 1, "%s: sleeper not signalled", vn);
				CHECK(atomic_load(p.cons_flag) == 0, "%s: flag left set", vn);
			}
			CHECK(ring_pop(&c, buf) == RING_OK, "%s/%s: message after wake", vn, wn);
			/* With a message there, waiting never sleeps. */
			CHECK(ring_push(&p, buf) == RING_OK, "push");
			ring_cons_wait(&c);
			CHECK(data.waits == 1, "%s/%s: slept with a message waiting", vn, wn);
			CHECK(ring_pop(&c, buf) == RING_OK, "pop");
		}

		/* Space direction (single producer only; MPSC producers poll). */
		if (mp)
			continue;
		while (ring_push(&p, buf) == RING_OK)
			;
		int s0 = space.signals;
		CHECK(ring_pop(&c, buf) == RING_OK, "pop");
		int s1 = space.signals - s0;
		CHECK(ring_pop(&c, buf) == RING_OK, "pop");
		int s2 = space.signals - s0 - s1;
		switch (w) {
		case RING_WAKE_EVERY:
			CHECK(s1 == 1 && s2 == 1, "%s/%s space: %d %d", vn, wn, s1, s2);
			break;
		case RING_WAKE_TRANSITION:
			CHECK(s1 == 1 && s2 == 0, "%s/%s space: %d %d", vn, wn, s1, s2);
			break;
		default:
			CHECK(s1 == 0 && s2 == 0, "%s/%s space: %d %d", vn, wn, s1, s2);
			break;
		}
		while (ring_push(&p, buf) == RING_OK)
			;
		if (w != RING_WAKE_POLL) {
			int sb = space.signals;
			ring_prod_wait(&p);
			CHECK(space.waits == 1, "%s/%s: producer slept %d times", vn, wn, space.waits);
			if (w == RING_WAKE_ANNOUNCE)
				CHECK(space.flag_at_wait == 1 && space.signals == sb + 1,
				      "%s: producer announce", vn);
			CHECK(ring_push(&p, buf) == RING_OK, "%s/%s: room after wake", vn, wn);
		}
	}
}

/* ---- names ------------------------------------------------------------------------ */

static void test_names(void)
{
	for (int i = 0; i < RING_ERR_COUNT; i++)
		for (int j = i + 1; j < RING_ERR_COUNT; j++)
			CHECK(strcmp(ring_strerror(i), ring_strerror(j)) != 0, "codes %d %d", i, j);
	CHECK(strcmp(ring_strerror(RING_ERR_COUNT), "unknown ring error") == 0, "out of range");
	CHECK(strcmp(ring_strerror(-1), "unknown ring error") == 0, "negative");
	CHECK(strcmp(ring_variant_name(RING_CACHED), "cached") == 0, "variant name");
	CHECK(strcmp(ring_wake_name(RING_WAKE_ANNOUNCE), "announce") == 0, "wake name");
}

int main(void)
{
	test_config();
	test_edges();
	test_batches(RING_CACHED);
	test_batches(RING_BATCHED);
	test_batches(RING_STAMPED);
	test_batches_other_variants();
	test_push64(RING_CACHED);
	test_push_n64();
	test_push64(RING_STAMPED);
	test_attach_errors();
	test_fuzz_attach();
	test_wake(RING_NAIVE);
	test_wake(RING_CACHED);
	test_wake(RING_BATCHED);
	test_wake(RING_STAMPED);
	test_wake(RING_MPSC);
	test_names();
	if (failures) {
		fprintf(stderr, "ipc unit: %d of %d checks FAILED\n", failures, checks);
		return 1;
	}
	printf("ipc unit: %d checks passed\n", checks);
	return 0;
}
