/*
 * ring.c: setting up rings (init, attach, header checks) and the names of
 * variants, protocols and errors.  The slow paths of the wake-up protocols
 * are in ring_wait.c.  Freestanding: no libc.
 */
#include "ring.h"

/* Layout of the region (offsets from its start), one RING_LINE each:
 *   0        struct ring_hdr (read-only after init)
 *   1 line   head (NAIVE: head and tail side by side here)
 *   2 lines  tail
 *   3 lines  consumer's sleep flag      4 lines  producer's sleep flag
 *   5 lines  data waker word            6 lines  space waker word
 *   7 lines  slots */
enum {
	OFF_HEAD = 1 * RING_LINE,
	OFF_TAIL = 2 * RING_LINE,
	OFF_CONS_FLAG = 3 * RING_LINE,
	OFF_PROD_FLAG = 4 * RING_LINE,
	OFF_DATA_WORD = 5 * RING_LINE,
	OFF_SPACE_WORD = 6 * RING_LINE,
	OFF_SLOTS = 7 * RING_LINE,
};

_Static_assert(sizeof(struct ring_hdr) <= RING_LINE, "header fits its line");
_Static_assert(sizeof(struct ring_hdr) % 4 == 0, "header is whole words");

static bool is_pow2(uint32_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

static bool is_mp(uint32_t variant)
{
	return variant == RING_MPSC || variant == RING_MPMC;
}

static uint32_t nslots_of(const struct ring_config *cfg)
{
	return cfg->variant == RING_NAIVE ? cfg->capacity + 1 : cfg->capacity;
}

static bool is_stamped(uint32_t variant)
{
	return is_mp(variant) || variant == RING_STAMPED;
}

static uint32_t stride_of(const struct ring_config *cfg)
{
	return is_stamped(cfg->variant) ? cfg->slot_size + RING_CELL_HDR : cfg->slot_size;
}

int ring_config_check(const struct ring_config *cfg)
{
	if (!cfg)
		return RING_EARG;
	if (cfg->variant < RING_NAIVE || cfg->variant >= RING_VARIANT_END)
		return RING_EARG;
	if (cfg->wake < RING_WAKE_POLL || cfg->wake >= RING_WAKE_END)
		return RING_EARG;
	if (cfg->slot_size < RING_SLOT_MIN || cfg->slot_size > RING_SLOT_MAX ||
	    cfg->slot_size % 8 != 0)
		return RING_EARG;
	if (cfg->capacity == 0 || cfg->capacity > RING_CAPACITY_MAX)
		return RING_EARG;
	if (cfg->variant != RING_NAIVE && !is_pow2(cfg->capacity))
		return RING_EARG;
	/* A one-cell sequence ring cannot tell "published" (seq = pos + 1) from
	 * "free for the next lap" (seq = pos + 1 as well). */
	if (is_mp(cfg->variant) && cfg->capacity < 2)
		return RING_EARG;
	/* Several blocked producers (or consumers) would need a wake-all; a
	 * coalescing notification wakes one.  So MPMC only polls, and MPSC
	 * producers poll for space (its consumer may block: see README). */
	if (cfg->variant == RING_MPMC && cfg->wake != RING_WAKE_POLL)
		return RING_EUNSUPPORTED;
	/* The header stores the region size in 32 bits: keep it under 2 GiB. */
	if ((uint64_t)nslots_of(cfg) * stride_of(cfg) + OFF_SLOTS > RING_REGION_MAX)
		return RING_EARG;
	return RING_OK;
}

size_t ring_region_size(const struct ring_config *cfg)
{
	if (ring_config_check(cfg) != RING_OK)
		return 0;
	/* at most 7*128 + (2^20+1) * 4104 bytes: fits 32 bits */
	return (size_t)OFF_SLOTS + (size_t)nslots_of(cfg) * stride_of(cfg);
}

/* FNV-1a over the header's words before `check`. */
static uint32_t hdr_checksum(const struct ring_hdr *h)
{
	const unsigned char *b = (const unsigned char *)h;
	uint32_t x = 2166136261u;
	for (size_t i = 0; i < offsetof(struct ring_hdr, check); i++)
		x = (x ^ b[i]) * 16777619u;
	return x;
}

static _Atomic uint32_t *word_at(void *mem, uint32_t off)
{
	return (_Atomic uint32_t *)(void *)((unsigned char *)mem + off);
}

int ring_init(void *mem, size_t len, const struct ring_config *cfg)
{
	int err = ring_config_check(cfg);
	if (err != RING_OK)
		return err;
	if (!mem)
		return RING_EARG;
	if ((uintptr_t)mem % 8 != 0)
		return RING_EALIGN;
	size_t size = ring_region_size(cfg);
	if (len < size)
		return RING_ESMALL;

	struct ring_hdr *h = (struct ring_hdr *)mem;
	*h = (struct ring_hdr){
		.magic = RING_MAGIC,
		.version = RING_VERSION,
		.variant = (uint8_t)cfg->variant,
		.wake = (uint8_t)cfg->wake,
		.capacity = cfg->capacity,
		.slot_size = cfg->slot_size,
		.nslots = nslots_of(cfg),
		.stride = stride_of(cfg),
		.head_off = OFF_HEAD,
		.tail_off = cfg->variant == RING_NAIVE ? OFF_HEAD + 4 : OFF_TAIL,
		.cons_flag_off = OFF_CONS_FLAG,
		.prod_flag_off = OFF_PROD_FLAG,
		.data_word_off = OFF_DATA_WORD,
		.space_word_off = OFF_SPACE_WORD,
		.slots_off = OFF_SLOTS,
		.total_size = (uint32_t)size,
	};
	h->check = hdr_checksum(h);

	atomic_init(word_at(mem, h->head_off), 0);
	atomic_init(word_at(mem, h->tail_off), 0);
	atomic_init(word_at(mem, h->cons_flag_off), 0);
	atomic_init(word_at(mem, h->prod_flag_off), 0);
	atomic_init(word_at(mem, h->data_word_off), 0);
	atomic_init(word_at(mem, h->space_word_off), 0);
	/* Stamps: MPSC/MPMC cell i may take position i (stamp i); a STAMPED cell
	 * is ready for position pos at stamp pos + 1, so 0 means "empty". */
	if (is_stamped(cfg->variant)) {
		for (uint32_t i = 0; i < h->nslots; i++)
			atomic_init(word_at(mem, OFF_SLOTS + i * h->stride),
				    cfg->variant == RING_STAMPED ? 0 : i);
	}
	/* Make the whole layout visible before anyone may attach. */
	atomic_thread_fence(memory_order_seq_cst);
	return RING_OK;
}

/* Is the word at `off` inside the control area, 4-byte aligned? */
static bool ctl_word_ok(uint32_t off)
{
	return off >= RING_LINE && off <= OFF_SLOTS - 4 && off % 4 == 0;  /* no overflow */
}

/* Check a header without trusting any field of it; fill cfg on success. */
static int check_header(const void *mem, size_t len, struct ring_config *cfg)
{
	if (!mem)
		return RING_EARG;
	if ((uintptr_t)mem % 8 != 0)
		return RING_EALIGN;
	if (len < OFF_SLOTS)
		return RING_ESMALL;
	const struct ring_hdr *h = (const struct ring_hdr *)mem;
	if (h->magic != RING_MAGIC)
		return RING_EMAGIC;
	if (h->version != RING_VERSION)
		return RING_EVERSION;
	if (h->check != hdr_checksum(h))
		return RING_ECORRUPT;
	cfg->variant = (enum ring_variant)h->variant;
	cfg->wake = (enum ring_wake)h->wake;
	cfg->capacity = h->capacity;
	cfg->slot_size = h->slot_size;
	/* A header with a valid checksum can still be nonsense if it was
	 * written by someone else: re-derive everything from the config. */
	if (ring_config_check(cfg) != RING_OK)
		return RING_ECORRUPT;
	if (h->nslots != nslots_of(cfg) || h->stride != stride_of(cfg) ||
	    h->slots_off != OFF_SLOTS || h->total_size != ring_region_size(cfg))
		return RING_ECORRUPT;
	if (!ctl_word_ok(h->head_off) || !ctl_word_ok(h->tail_off) ||
	    !ctl_word_ok(h->cons_flag_off) || !ctl_word_ok(h->prod_flag_off) ||
	    !ctl_word_ok(h->data_word_off) || !ctl_word_ok(h->space_word_off) ||
	    h->head_off == h->tail_off)
		return RING_ECORRUPT;
	if (len < h->total_size)
		return RING_ESMALL;
	return RING_OK;
}

static int check_expected(const struct ring_config *have, const struct ring_config *want)
{
	if (!want)
		return RING_OK;
	if (want->variant != have->variant)
		return RING_EVARIANT;
	if (want->wake != have->wake)
		return RING_EWAKE;
	if (want->capacity != have->capacity || want->slot_size != have->slot_size)
		return RING_EGEOMETRY;
	return RING_OK;
}

/* Are the shared indices possible?  The ring may be live (an MPSC producer
 * joining others, a side attaching while the other runs), so the tail is
 * read before and after the head: some tail value in [t1, t2] was current
 * when the head was read, and a sane ring has 0 <= head - tail <= capacity. */
static bool indices_ok(const struct ring_hdr *h, uint32_t head, uint32_t t1, uint32_t t2)
{
	if (h->variant == RING_NAIVE)
		return head < h->nslots && t1 < h->nslots && t2 < h->nslots;
	return (int32_t)(head - t1) >= 0 && (int32_t)(head - t2) <= (int32_t)h->capacity &&
	       (int32_t)(t2 - t1) >= 0;
}

/* What both attach functions share: check the header, the expectation and
 * the indices. */
struct attach_view {
	struct ring_config cfg;
	const struct ring_hdr *h;
	uint32_t head, tail;
};

static int attach_common(struct attach_view *v, void *mem, size_t len,
			 const struct ring_config *expect)
{
	int err = check_header(mem, len, &v->cfg);
	if (err != RING_OK)
		return err;
	err = check_expected(&v->cfg, expect);
	if (err != RING_OK)
		return err;
	v->h = (const struct ring_hdr *)mem;
	uint32_t t1 = atomic_load_explicit(word_at(mem, v->h->tail_off), memory_order_acquire);
	v->head = atomic_load_explicit(word_at(mem, v->h->head_off), memory_order_acquire);
	v->tail = atomic_load_explicit(word_at(mem, v->h->tail_off), memory_order_acquire);
	if (!indices_ok(v->h, v->head, t1, v->tail))
		return RING_ECORRUPT;
	return RING_OK;
}

static const struct ring_waker no_waker = { 0, 0, 0 };

int ring_attach_prod(struct ring_prod *p, void *mem, size_t len,
		     const struct ring_config *expect,
		     const struct ring_waker *data, const struct ring_waker *space)
{
	struct attach_view v;
	if (!p)
		return RING_EARG;
	int err = attach_common(&v, mem, len, expect);
	if (err != RING_OK)
		return err;
	bool mp = is_mp(v.cfg.variant);
	if (v.cfg.wake != RING_WAKE_POLL) {
		/* The producer signals data and (unless MPSC: it polls) waits for space. */
		if (!data || !data->signal)
			return RING_EARG;
		if (!mp && (!space || !space->wait))
			return RING_EARG;
	}
	p->head = v.head;
	p->limit = v.tail + v.cfg.capacity;
	p->mask = v.h->nslots - 1;
	p->stride = v.h->stride;
	p->slots = (unsigned char *)mem + v.h->slots_off;
	p->head_p = word_at(mem, v.h->head_off);
	p->tail_p = word_at(mem, v.h->tail_off);
	p->cons_flag = word_at(mem, v.h->cons_flag_off);
	p->prod_flag = word_at(mem, v.h->prod_flag_off);
	p->capacity = v.cfg.capacity;
	p->nslots = v.h->nslots;
	p->slot_size = v.cfg.slot_size;
	p->spin = 0;
	p->variant = (uint8_t)v.cfg.variant;
	p->wake = (uint8_t)v.cfg.wake;
	p->data = data && v.cfg.wake != RING_WAKE_POLL ? *data : no_waker;
	p->space = space && v.cfg.wake != RING_WAKE_POLL && !mp ? *space : no_waker;
	return RING_OK;
}

int ring_attach_cons(struct ring_cons *c, void *mem, size_t len,
		     const struct ring_config *expect,
		     const struct ring_waker *data, const struct ring_waker *space)
{
	struct attach_view v;
	if (!c)
		return RING_EARG;
	int err = attach_common(&v, mem, len, expect);
	if (err != RING_OK)
		return err;
	bool mp = is_mp(v.cfg.variant);
	if (v.cfg.wake != RING_WAKE_POLL) {
		/* The consumer waits for data and (unless MPSC) signals space. */
		if (!data || !data->wait)
			return RING_EARG;
		if (!mp && (!space || !space->signal))
			return RING_EARG;
	}
	c->tail = v.tail;
	c->avail = v.head;
	c->mask = v.h->nslots - 1;
	c->stride = v.h->stride;
	c->slots = (unsigned char *)mem + v.h->slots_off;
	c->head_p = word_at(mem, v.h->head_off);
	c->tail_p = word_at(mem, v.h->tail_off);
	c->cons_flag = word_at(mem, v.h->cons_flag_off);
	c->prod_flag = word_at(mem, v.h->prod_flag_off);
	c->capacity = v.cfg.capacity;
	c->nslots = v.h->nslots;
	c->slot_size = v.cfg.slot_size;
	c->spin = 0;
	c->variant = (uint8_t)v.cfg.variant;
	c->wake = (uint8_t)v.cfg.wake;
	c->data = data && v.cfg.wake != RING_WAKE_POLL ? *data : no_waker;
	c->space = space && v.cfg.wake != RING_WAKE_POLL && !mp ? *space : no_waker;
	return RING_OK;
}

int ring_read_config(const void *mem, size_t len, struct ring_config *out)
{
	if (!out)
		return RING_EARG;
	return check_header(mem, len, out);
}

_Atomic uint32_t *ring_word(void *mem, size_t len, enum ring_word_id which)
{
	struct ring_config cfg;
	if (check_header(mem, len, &cfg) != RING_OK)
		return 0;
	const struct ring_hdr *h = (const struct ring_hdr *)mem;
	switch (which) {
	case RING_WORD_DATA:
		return word_at(mem, h->data_word_off);
	case RING_WORD_SPACE:
		return word_at(mem, h->space_word_off);
	}
	return 0;
}

/* ---- names ---------------------------------------------------------------- */

const char *ring_strerror(int err)
{
	static const char *const names[RING_ERR_COUNT] = {
		[RING_OK] = "ok",
		[RING_EFULL] = "ring full",
		[RING_EEMPTY] = "ring empty",
		[RING_EARG] = "invalid argument",
		[RING_ESMALL] = "region too small for the ring",
		[RING_EALIGN] = "region not 8-byte aligned",
		[RING_EMAGIC] = "no ring header (bad magic)",
		[RING_EVERSION] = "ring layout version mismatch",
		[RING_ECORRUPT] = "ring header or indices corrupt",
		[RING_EVARIANT] = "ring variant differs from the expected one",
		[RING_EWAKE] = "wake-up protocol differs from the expected one",
		[RING_EGEOMETRY] = "capacity or slot size differ from the expected ones",
		[RING_EUNSUPPORTED] = "combination not supported",
	};
	if (err < 0 || err >= RING_ERR_COUNT)
		return "unknown ring error";
	return names[err];
}

const char *const ring_variant_names[RING_VARIANT_END] = {
	[RING_NAIVE - 1] = "naive", [RING_CACHED - 1] = "cached", [RING_BATCHED - 1] = "batched",
	[RING_MPSC - 1] = "mpsc", [RING_MPMC - 1] = "mpmc", [RING_STAMPED - 1] = "stamped",
	[RING_VARIANT_END - 1] = 0,
};

const char *const ring_wake_names[RING_WAKE_END] = {
	[RING_WAKE_POLL - 1] = "poll", [RING_WAKE_EVERY - 1] = "every",
	[RING_WAKE_TRANSITION - 1] = "transition", [RING_WAKE_ANNOUNCE - 1] = "announce",
	[RING_WAKE_END - 1] = 0,
};

const char *ring_variant_name(enum ring_variant v)
{
	if (v < RING_NAIVE || v >= RING_VARIANT_END)
		return "?";
	return ring_variant_names[v - 1];
}

const char *ring_wake_name(enum ring_wake w)
{
	if (w < RING_WAKE_POLL || w >= RING_WAKE_END)
		return "?";
	return ring_wake_names[w - 1];
}
