/*
 * ring.h: shared-memory message rings and their wake-up protocols.
 *
 * Freestanding C11: only <stdatomic.h>, <stdint.h>, <stddef.h>, <stdbool.h>.
 * Builds for ipclab user tasks (aarch64, no libc; the task runtime provides
 * memcpy and memset, as GCC requires of any freestanding environment;
 * ring.c itself needs neither) and for Linux.  The fast paths are static inline so that a
 * push+pop costs a handful of instructions and no call; only the slow paths
 * (waiting, attaching, signalling a sleeper) live in ring.c.
 *
 * Rules
 *  - The shared region holds offsets, never pointers: two address spaces may
 *    map it at different addresses.  One side calls ring_init() on the region,
 *    then each side calls ring_attach_prod() or ring_attach_cons() and gets a
 *    private handle (struct ring_prod / struct ring_cons) with pointers valid
 *    in its own address space.  Attach checks the header and never trusts it:
 *    a wrong or corrupt header is an error code, never a crash.
 *  - NAIVE, CACHED, BATCHED and STAMPED rings have exactly one producer
 *    handle and one consumer handle.  MPSC rings allow many producers (each with its
 *    own handle) and one consumer; MPMC rings many of both.
 *  - A handle belongs to one thread at a time; it is not shared.
 *  - ring_reserve*() returns slots to fill and ring_commit*() publishes them;
 *    ring_peek*() returns messages in place and ring_release*() frees them.
 *    Between the two calls the slots belong to the caller alone.
 *  - Both sides must agree on the wake-up protocol: it is stored in the
 *    header and checked on attach.
 *
 * Memory ordering (see README.md for the whole argument)
 *  - Payload is written with plain stores, then the producer publishes its
 *    index (or the slot's stamp) with a release store; the
 *    consumer observes it with an acquire load before reading the payload.
 *    The consumer frees slots the same way in the other direction.  No lock
 *    and no read-modify-write on the single-producer/single-consumer path.
 *  - The TRANSITION and ANNOUNCE protocols need store->load ordering between
 *    "I published" and "does the other side sleep?": a seq_cst fence on the
 *    publishing side after the release store, and one on the sleeping side
 *    between "I announce / I freed" and its last check.  Either the sleeper's
 *    check sees the publication, or the publisher sees the announcement.
 */
#ifndef IPC_RING_H
#define IPC_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RING_MAGIC        0x474e4952u   /* "RING" in little-endian bytes */
#define RING_VERSION      1u
#define RING_LINE         128u          /* spacing of fields written by different sides:
                                           two 64-byte lines, so an adjacent-line
                                           prefetcher cannot couple them either */
#define RING_SLOT_MIN     8u
#define RING_SLOT_MAX     4096u
#define RING_CAPACITY_MAX (1u << 20)
#define RING_REGION_MAX   (1u << 31)    /* bytes of a whole ring, at most */
#define RING_CELL_HDR     8u            /* STAMPED, MPSC, MPMC: sequence word before each payload */

#define RING_LIKELY(x)    __builtin_expect(!!(x), 1)
#define RING_UNLIKELY(x)  __builtin_expect(!!(x), 0)

/* Ring designs.  Values start at 1 so that zeroed memory is never valid. */
enum ring_variant {
	RING_NAIVE = 1,   /* the seed note's ring: head and tail adjacent, both read on
	                     every operation, indices kept modulo the slot count (`%`),
	                     one slot left empty to tell full from empty */
	RING_CACHED,      /* head and tail on their own cache lines, each side caches the
	                     other's index, free-running indices masked (power of two) */
	RING_BATCHED,     /* the CACHED layout used through reserve_n/commit_n and
	                     peek_n/release_n: one index store (and one wake-up check)
	                     per batch; both sides agree on it through the header */
	RING_MPSC,        /* many producers (CAS on the head), one consumer;
	                     sequence-numbered slots */
	RING_MPMC,        /* bounded multi-producer/multi-consumer queue (CAS on both
	                     indices), sequence-numbered slots */
	RING_STAMPED,     /* single producer, single consumer, the producer caching the
	                     consumer's index as in CACHED, but each slot stamped with
	                     its position: the consumer polls the slot itself, so a
	                     message costs one cache line, not two (head and slot) */
	RING_VARIANT_END
};

/* Wake-up protocols: when does a side that published call the other side's
 * waker, and how does a side with nothing to do wait.  The same protocol
 * serves both directions: consumer waiting for data, producer for space. */
enum ring_wake {
	RING_WAKE_POLL = 1,   /* never signal; waiting spins with a CPU hint */
	RING_WAKE_EVERY,      /* signal after every publication (the seed note's ring) */
	RING_WAKE_TRANSITION, /* signal only when the publication ended an empty (full)
	                         ring: the publisher re-reads the other index */
	RING_WAKE_ANNOUNCE,   /* the waiter sets a flag, re-checks, then sleeps; the
	                         publisher signals only when it sees the flag */
	RING_WAKE_END
};

/* Error codes: every function that can fail returns one (RING_OK is 0). */
enum ring_err {
	RING_OK = 0,
	RING_EFULL,        /* no free slot */
	RING_EEMPTY,       /* no message */
	RING_EARG,         /* bad argument: NULL, out of range, waker missing */
	RING_ESMALL,       /* region shorter than the ring needs */
	RING_EALIGN,       /* region not aligned to 8 bytes */
	RING_EMAGIC,       /* no ring here (magic mismatch) */
	RING_EVERSION,     /* ring of another layout version */
	RING_ECORRUPT,     /* header fields inconsistent or checksum wrong, or indices
	                      impossible (head - tail > capacity) */
	RING_EVARIANT,     /* ring is of another variant than expected */
	RING_EWAKE,        /* ring uses another wake-up protocol than expected */
	RING_EGEOMETRY,    /* capacity or slot size differ from what was expected */
	RING_EUNSUPPORTED, /* combination not provided (e.g. MPMC with blocking) */
	RING_ERR_COUNT
};

/*
 * The wake-up interface.  A waker is a coalescing notification, the model of
 * an ipclab notification object, a Linux eventfd, or a futex word:
 *   signal(ctx)  makes the notification pending and wakes a thread blocked in
 *                wait() on it, if any.  Several signals before a wait coalesce.
 *                Must not block; may be called by several threads at once.
 *   wait(ctx)    returns at once if the notification is pending, clearing it;
 *                otherwise blocks until signal().  It may also return early
 *                (spuriously): the ring always re-checks after wait() returns.
 * A signal that arrives before the wait is never lost: that is the only
 * property the protocols rely on.  signal() must have release and wait()
 * acquire semantics (a syscall or an atomic exchange on the word has them);
 * the ring's own data visibility never depends on the waker, though.
 *
 * Each ring uses two notifications:
 *   data   the producer signals, the consumer waits ("there are messages")
 *   space  the consumer signals, the producer waits ("there is room")
 * A side only calls its half: the producer data.signal and space.wait, the
 * consumer space.signal and data.wait.  The halves it does not call may be
 * NULL.  With RING_WAKE_POLL no waker is needed at all.
 * Give each direction its own notification, waited on by one side only: a
 * wait clears the pending state, so a notification that both sides wait on
 * could swallow the signal meant for the other side.
 * They are called only on slow paths (a sleeper seen, a transition, or the
 * EVERY protocol, whose point is to signal on every publication).
 *
 * ipclab kernel: ctx names the task's notification capability; signal is
 * ntfn_signal(cap, badge) and wait is ntfn_wait(cap).  Linux: see
 * ipc/linux/ring_linux.h (futex on a word the ring reserves for the purpose,
 * see ring_word(); or an eventfd).
 */
struct ring_waker {
	void (*signal)(void *ctx);
	void (*wait)(void *ctx);
	void *ctx;
};

/* What a ring is: given to ring_init(), and to attach as the expectation. */
struct ring_config {
	enum ring_variant variant;
	enum ring_wake wake;
	uint32_t capacity;   /* messages the ring holds; a power of two except NAIVE;
	                        at least 2 for MPSC/MPMC */
	uint32_t slot_size;  /* bytes per message: a multiple of 8 in 8..4096 */
};

/* The header at offset 0 of the region: written by ring_init(), read-only
 * afterwards.  Offsets are from the start of the region. */
struct ring_hdr {
	uint32_t magic;
	uint16_t version;
	uint8_t variant;
	uint8_t wake;
	uint32_t capacity;
	uint32_t slot_size;
	uint32_t nslots;        /* capacity + 1 for NAIVE, capacity otherwise */
	uint32_t stride;        /* bytes from one slot to the next */
	uint32_t head_off;      /* _Atomic uint32_t written by the producer(s) */
	uint32_t tail_off;      /* _Atomic uint32_t written by the consumer(s) */
	uint32_t cons_flag_off; /* ANNOUNCE: consumer says it will sleep */
	uint32_t prod_flag_off; /* ANNOUNCE: producer says it will sleep */
	uint32_t data_word_off; /* spare word for a waker that needs shared state */
	uint32_t space_word_off;
	uint32_t slots_off;
	uint32_t total_size;    /* bytes of the whole region */
	uint32_t check;         /* checksum of the fields above */
};

/* A producer's private handle.  Fields are private to ring.h/ring.c. */
struct ring_prod {
	uint32_t head;           /* next position to fill (own index, private copy) */
	uint32_t limit;          /* CACHED: head may reach limit without reading
	                            the tail: cached tail + capacity */
	uint32_t mask;           /* nslots - 1 (power-of-two variants) */
	uint32_t stride;
	unsigned char *slots;
	_Atomic uint32_t *head_p;  /* right after slots: one ldp loads both */
	_Atomic uint32_t *tail_p;
	_Atomic uint32_t *cons_flag;
	_Atomic uint32_t *prod_flag;
	uint32_t capacity;
	uint32_t nslots;
	uint32_t slot_size;
	uint32_t spin;           /* iterations to poll before sleeping (default 0) */
	uint8_t variant;
	uint8_t wake;
	struct ring_waker data;  /* signal: wake the consumer */
	struct ring_waker space; /* wait: until the consumer frees a slot */
};

/* A consumer's private handle. */
struct ring_cons {
	uint32_t tail;           /* next position to read (own index, private copy) */
	uint32_t avail;          /* CACHED: cached head; messages up to it are ready */
	uint32_t mask;
	uint32_t stride;
	unsigned char *slots;
	_Atomic uint32_t *tail_p;  /* right after slots: one ldp loads both */
	_Atomic uint32_t *head_p;
	_Atomic uint32_t *cons_flag;
	_Atomic uint32_t *prod_flag;
	uint32_t capacity;
	uint32_t nslots;
	uint32_t slot_size;
	uint32_t spin;
	uint8_t variant;
	uint8_t wake;
	struct ring_waker data;  /* wait: until the producer publishes */
	struct ring_waker space; /* signal: wake the producer */
};

/* Shared words a waker may use (e.g. as a futex), one per direction. */
enum ring_word_id { RING_WORD_DATA, RING_WORD_SPACE };

/* ---- setting up (ring.c) ------------------------------------------------ */

/* Bytes a ring of this configuration needs, or 0 if the configuration is
 * invalid. */
size_t ring_region_size(const struct ring_config *cfg);
/* Check a configuration: RING_OK or why not. */
int ring_config_check(const struct ring_config *cfg);
/* Lay out an empty ring in [mem, mem+len).  mem must be 8-byte aligned
 * (a page in practice).  Nobody may be attached while this runs. */
int ring_init(void *mem, size_t len, const struct ring_config *cfg);
/* Attach to the ring in [mem, mem+len).  expect may be NULL (accept what
 * the header says) or the configuration the caller needs: any difference is
 * an error.  data/space: see struct ring_waker (NULL for polling). */
int ring_attach_prod(struct ring_prod *p, void *mem, size_t len,
		     const struct ring_config *expect,
		     const struct ring_waker *data, const struct ring_waker *space);
int ring_attach_cons(struct ring_cons *c, void *mem, size_t len,
		     const struct ring_config *expect,
		     const struct ring_waker *data, const struct ring_waker *space);
/* The configuration stored in a valid header (after a successful attach). */
int ring_read_config(const void *mem, size_t len, struct ring_config *out);
/* A shared 32-bit word reserved for wakers, in a region already checked by
 * attach, or NULL. */
_Atomic uint32_t *ring_word(void *mem, size_t len, enum ring_word_id which);
/* A short English name of an error code (never NULL). */
const char *ring_strerror(int err);
const char *ring_variant_name(enum ring_variant v);
const char *ring_wake_name(enum ring_wake w);

/* ---- slow paths (ring.c) ------------------------------------------------ */

/* Return when at least one slot is free (or spuriously: callers retry). */
void ring_prod_wait(struct ring_prod *p);
/* Return when at least one message is ready (or spuriously). */
void ring_cons_wait(struct ring_cons *c);
/* Wake the other side: called by the inline fast paths. */
void ring__signal_data(struct ring_prod *p);
void ring__signal_space(struct ring_cons *c);
void ring__wake_sleeper(_Atomic uint32_t *flag, const struct ring_waker *w);

/* ---- CPU hint for spin loops ---------------------------------------------- */

static inline void ring_cpu_relax(void)
{
#if defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#elif defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

/* ---- wake-up checks after a publication --------------------------------- */

/*
 * After the producer published the n positions [first, first + n): decide
 * whether to signal the consumer.  `w` is the ring's protocol (a constant
 * when the caller knows it, so the switch folds away).
 * TRANSITION: signal when the consumer's index is inside the batch.  With
 * one index store per batch (CACHED, BATCHED, NAIVE) that means the ring was
 * empty before (index == first), or the consumer already took part of the
 * batch (a harmless extra signal).  A STAMPED batch becomes visible slot by
 * slot, so a consumer may take the first slots, find the next stamp not yet
 * written and sleep on it: index == first alone would lose that wake-up
 * (the stress test under TSan found it; model/wake.pml -DBATCH checks it).
 */
static inline void ring__prod_notify(struct ring_prod *p, uint32_t first, uint32_t n,
				     enum ring_wake w)
{
	switch (w) {
	case RING_WAKE_EVERY:
		ring__signal_data(p);
		break;
	case RING_WAKE_TRANSITION:
		atomic_thread_fence(memory_order_seq_cst);
		if (RING_UNLIKELY(atomic_load_explicit(p->tail_p, memory_order_relaxed) - first < n))
			ring__signal_data(p);
		break;
	case RING_WAKE_ANNOUNCE:
		atomic_thread_fence(memory_order_seq_cst);
		if (RING_UNLIKELY(atomic_load_explicit(p->cons_flag, memory_order_relaxed)))
			ring__wake_sleeper(p->cons_flag, &p->data);
		break;
	default:
		break;
	}
}

/*
 * After the consumer freed slots up to (but not including) `tail`, the
 * first of which was `first`: decide whether to signal the producer.  The
 * ring was full before iff the producer's index is a full ring ahead of
 * `first`.  (MPSC/MPMC producers only poll for space: see ring_config_check.)
 */
static inline void ring__cons_notify(struct ring_cons *c, uint32_t first,
				     enum ring_wake w)
{
	switch (w) {
	case RING_WAKE_EVERY:
		ring__signal_space(c);
		break;
	case RING_WAKE_TRANSITION: {
		atomic_thread_fence(memory_order_seq_cst);
		uint32_t h = atomic_load_explicit(c->head_p, memory_order_relaxed);
		bool was_full = c->variant == RING_NAIVE
			? (h + 1) % c->nslots == first
			: h - first == c->capacity;
		if (RING_UNLIKELY(was_full))
			ring__signal_space(c);
		break;
	}
	case RING_WAKE_ANNOUNCE:
		atomic_thread_fence(memory_order_seq_cst);
		if (RING_UNLIKELY(atomic_load_explicit(c->prod_flag, memory_order_relaxed)))
			ring__wake_sleeper(c->prod_flag, &c->space);
		break;
	default:
		break;
	}
}

/* ---- CACHED and BATCHED: single producer, single consumer ---------------- */

/* Is there a free slot?  Reads the consumer's index only when the cached
 * copy says the ring is full. */
static inline bool ring__spsc_room(struct ring_prod *p)
{
	uint32_t h = p->head;
	if (RING_LIKELY(h != p->limit))
		return true;
	p->limit = atomic_load_explicit(p->tail_p, memory_order_acquire) + p->capacity;
	return h != p->limit;
}

static inline void *ring__spsc_slot(struct ring_prod *p)
{
	return p->slots + (size_t)(p->head & p->mask) * p->stride;
}

/* A slot to fill, or NULL when the ring is full.  Nothing is published until
 * ring_spsc_commit_n_w(). */
static inline void *ring_spsc_reserve(struct ring_prod *p)
{
	return ring__spsc_room(p) ? ring__spsc_slot(p) : NULL;
}

/* Up to `want` contiguous free slots (fewer at the end of the array or when
 * the ring is nearly full; 0 when full); *first receives the first (for
 * STAMPED, the first cell: use ring_reserve_n). */
static inline uint32_t ring_spsc_reserve_n(struct ring_prod *p, uint32_t want, void **first)
{
	uint32_t h = p->head;
	uint32_t room = p->limit - h;
	if (room < want) {
		p->limit = atomic_load_explicit(p->tail_p, memory_order_acquire) + p->capacity;
		room = p->limit - h;
	}
	uint32_t idx = h & p->mask;
	uint32_t n = p->nslots - idx;
	if (n > room)
		n = room;
	if (n > want)
		n = want;
	*first = p->slots + (size_t)idx * p->stride;
	return n;
}

/* Publish n reserved slots with protocol w (must be the ring's). */
static inline void ring_spsc_commit_n_w(struct ring_prod *p, uint32_t n, enum ring_wake w)
{
	uint32_t first = p->head;
	p->head = first + n;
	atomic_store_explicit(p->head_p, first + n, memory_order_release);
	ring__prod_notify(p, first, n, w);
}

/* Is there a message?  Reads the producer's index only when the cached
 * copy says the ring is empty. */
static inline bool ring__spsc_ready(struct ring_cons *c)
{
	uint32_t t = c->tail;
	if (RING_LIKELY(t != c->avail))
		return true;
	c->avail = atomic_load_explicit(c->head_p, memory_order_acquire);
	return t != c->avail;
}

static inline const void *ring__spsc_msg(const struct ring_cons *c)
{
	return c->slots + (size_t)(c->tail & c->mask) * c->stride;
}

/* The oldest message, or NULL when the ring is empty. */
static inline const void *ring_spsc_peek(struct ring_cons *c)
{
	return ring__spsc_ready(c) ? ring__spsc_msg(c) : NULL;
}

/* Up to `max` contiguous messages (0 when empty); *first receives the first. */
static inline uint32_t ring_spsc_peek_n(struct ring_cons *c, uint32_t max, const void **first)
{
	uint32_t t = c->tail;
	uint32_t ready = c->avail - t;
	if (ready < max) {
		c->avail = atomic_load_explicit(c->head_p, memory_order_acquire);
		ready = c->avail - t;
	}
	uint32_t idx = t & c->mask;
	uint32_t n = c->nslots - idx;
	if (n > ready)
		n = ready;
	if (n > max)
		n = max;
	*first = c->slots + (size_t)idx * c->stride;
	return n;
}

/* Free n messages that were peeked, with protocol w (must be the ring's). */
static inline void ring_spsc_release_n_w(struct ring_cons *c, uint32_t n, enum ring_wake w)
{
	uint32_t first = c->tail;
	c->tail = first + n;
	atomic_store_explicit(c->tail_p, first + n, memory_order_release);
	ring__cons_notify(c, first, w);
}

/* 8-byte messages on a ring whose slot_size is 8, protocol given as a
 * constant: the shortest path, for the workloads that count instructions. */
static inline bool ring_spsc_push64_w(struct ring_prod *p, uint64_t v, enum ring_wake w)
{
	if (RING_UNLIKELY(!ring__spsc_room(p)))
		return false;
	uint32_t h = p->head;
	((uint64_t *)(void *)p->slots)[h & p->mask] = v;
	p->head = h + 1;
	atomic_store_explicit(p->head_p, h + 1, memory_order_release);
	ring__prod_notify(p, h, 1, w);
	return true;
}

static inline bool ring_spsc_pop64_w(struct ring_cons *c, uint64_t *v, enum ring_wake w)
{
	if (RING_UNLIKELY(!ring__spsc_ready(c)))
		return false;
	uint32_t t = c->tail;
	*v = ((const uint64_t *)(const void *)c->slots)[t & c->mask];
	c->tail = t + 1;
	atomic_store_explicit(c->tail_p, t + 1, memory_order_release);
	ring__cons_notify(c, t, w);
	return true;
}

/* Copy n 8-byte words, four at a time (paired loads and stores on aarch64,
 * even when built with the task flags (no FP/SIMD registers) and without a libc memcpy). */
static inline void ring__copy64(uint64_t *d, const uint64_t *s, uint32_t n)
{
	for (uint32_t q = n / 4; q; q--) {
#if defined(__aarch64__)
		uint64_t a, b, c, e;
		__asm__ __volatile__("ldp %[a], %[b], [%[s]], #16\n\t"
				     "ldp %[c], %[e], [%[s]], #16\n\t"
				     "stp %[a], %[b], [%[d]], #16\n\t"
				     "stp %[c], %[e], [%[d]], #16"
				     : [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [e] "=&r"(e),
				       [s] "+r"(s), [d] "+r"(d)
				     :
				     : "memory");
#else
		d[0] = s[0], d[1] = s[1], d[2] = s[2], d[3] = s[3];
		d += 4, s += 4;
#endif
	}
	for (uint32_t r = n % 4; r; r--)
		*d++ = *s++;
}

/* Batches of 8-byte messages on a CACHED or BATCHED ring whose slot_size is
 * 8: copy up to n in (out), publish (free) them at once; returns how many
 * (fewer at the end of the array or when the ring is nearly full/empty). */
static inline uint32_t ring_spsc_push_n64_w(struct ring_prod *p, const uint64_t *src, uint32_t n,
					    enum ring_wake w)
{
	void *dst;
	uint32_t k = ring_spsc_reserve_n(p, n, &dst);
	if (RING_LIKELY(k)) {
		ring__copy64((uint64_t *)dst, src, k);
		ring_spsc_commit_n_w(p, k, w);
	}
	return k;
}

static inline uint32_t ring_spsc_pop_n64_w(struct ring_cons *c, uint64_t *dst, uint32_t n,
					   enum ring_wake w)
{
	const void *src;
	uint32_t k = ring_spsc_peek_n(c, n, &src);
	if (RING_LIKELY(k)) {
		ring__copy64(dst, (const uint64_t *)src, k);
		ring_spsc_release_n_w(c, k, w);
	}
	return k;
}

/* ---- STAMPED: single producer, single consumer, stamped slots -------------
 * Cell = 32-bit stamp (padded to 8 bytes) + payload; position pos is ready
 * when its cell's stamp is pos + 1 (cells start at 0, and a cell left from
 * the previous lap holds pos + 1 - nslots).  The producer finds room with its
 * cached copy of the tail (as CACHED) and never reads a cell; the consumer
 * reads stamps and never writes a cell.  The shared head is still kept (one
 * store to a line only the producer touches) for attach and for the
 * consumer's TRANSITION check. */

/* The stamp (sequence word) of the cell holding position pos: the first
 * word of each STAMPED, MPSC and MPMC cell, the payload RING_CELL_HDR after. */
static inline _Atomic uint32_t *ring__cell_seq(unsigned char *slots, uint32_t stride,
					       uint32_t mask, uint32_t pos)
{
	return (_Atomic uint32_t *)(void *)(slots + (size_t)(pos & mask) * stride);
}

static inline void *ring_stamped_reserve(struct ring_prod *p)
{
	if (RING_UNLIKELY(!ring__spsc_room(p)))
		return NULL;
	return (unsigned char *)ring__cell_seq(p->slots, p->stride, p->mask, p->head) + RING_CELL_HDR;
}

static inline void ring_stamped_commit_n_w(struct ring_prod *p, uint32_t n, enum ring_wake w)
{
	uint32_t first = p->head;
	for (uint32_t i = 0; i < n; i++)
		atomic_store_explicit(ring__cell_seq(p->slots, p->stride, p->mask, first + i),
				      first + i + 1, memory_order_release);
	p->head = first + n;
	atomic_store_explicit(p->head_p, first + n, memory_order_relaxed);
	ring__prod_notify(p, first, n, w);
}

static inline const void *ring_stamped_peek(struct ring_cons *c)
{
	uint32_t t = c->tail;
	_Atomic uint32_t *st = ring__cell_seq(c->slots, c->stride, c->mask, t);
	if (RING_UNLIKELY(atomic_load_explicit(st, memory_order_acquire) != t + 1))
		return NULL;
	return (unsigned char *)st + RING_CELL_HDR;
}

static inline uint32_t ring_stamped_peek_n(struct ring_cons *c, uint32_t max, const void **first)
{
	uint32_t t = c->tail, idx = t & c->mask;
	uint32_t lim = c->nslots - idx, n = 0;
	if (lim > max)
		lim = max;
	while (n < lim && atomic_load_explicit(ring__cell_seq(c->slots, c->stride, c->mask, t + n),
					       memory_order_acquire) == t + n + 1)
		n++;
	*first = c->slots + (size_t)idx * c->stride + RING_CELL_HDR;
	return n;
}

/* 8-byte messages on a STAMPED ring whose slot_size is 8 (16-byte cells). */
static inline bool ring_stamped_push64_w(struct ring_prod *p, uint64_t v, enum ring_wake w)
{
	if (RING_UNLIKELY(!ring__spsc_room(p)))
		return false;
	uint32_t h = p->head;
	uint64_t *cell = (uint64_t *)(void *)p->slots + 2 * (size_t)(h & p->mask);
	cell[1] = v;
	atomic_store_explicit((_Atomic uint32_t *)(void *)cell, h + 1, memory_order_release);
	p->head = h + 1;
	atomic_store_explicit(p->head_p, h + 1, memory_order_relaxed);
	ring__prod_notify(p, h, 1, w);
	return true;
}

static inline bool ring_stamped_pop64_w(struct ring_cons *c, uint64_t *v, enum ring_wake w)
{
	uint32_t t = c->tail;
	const uint64_t *cell = (const uint64_t *)(const void *)c->slots + 2 * (size_t)(t & c->mask);
	if (RING_UNLIKELY(atomic_load_explicit((_Atomic uint32_t *)(uintptr_t)cell,
					       memory_order_acquire) != t + 1))
		return false;
	*v = cell[1];
	ring_spsc_release_n_w(c, 1, w);
	return true;
}

/* ---- NAIVE: the seed note's ring ------------------------------------------ */

static inline void *ring_naive_reserve(struct ring_prod *p)
{
	uint32_t h = atomic_load_explicit(p->head_p, memory_order_acquire);
	uint32_t t = atomic_load_explicit(p->tail_p, memory_order_acquire);
	if ((h + 1) % p->nslots == t || h >= p->nslots)  /* full (or corrupt) */
		return NULL;
	p->head = h;
	return p->slots + (size_t)h * p->stride;
}

static inline void ring_naive_commit(struct ring_prod *p)
{
	uint32_t first = p->head;
	atomic_store_explicit(p->head_p, (first + 1) % p->nslots, memory_order_release);
	ring__prod_notify(p, first, 1, (enum ring_wake)p->wake);
}

static inline const void *ring_naive_peek(struct ring_cons *c)
{
	uint32_t t = atomic_load_explicit(c->tail_p, memory_order_acquire);
	uint32_t h = atomic_load_explicit(c->head_p, memory_order_acquire);
	if (h == t || t >= c->nslots)  /* empty (or corrupt) */
		return NULL;
	c->tail = t;
	return c->slots + (size_t)t * c->stride;
}

static inline void ring_naive_release(struct ring_cons *c)
{
	uint32_t first = c->tail;
	atomic_store_explicit(c->tail_p, (first + 1) % c->nslots, memory_order_release);
	ring__cons_notify(c, first, (enum ring_wake)c->wake);
}

/* ---- MPSC and MPMC: sequence-numbered slots --------------------------------
 * Each cell is a 32-bit sequence word (padded to 8 bytes) and the payload.
 * Cell i starts with seq = i.  A producer may fill position pos when
 * seq == pos, and publishes it with seq = pos + 1; a consumer may read
 * position pos when seq == pos + 1 and frees it with seq = pos + nslots. */

static inline void *ring_mp_reserve(struct ring_prod *p)
{
	uint32_t pos = atomic_load_explicit(p->head_p, memory_order_relaxed);
	for (;;) {
		_Atomic uint32_t *seq = ring__cell_seq(p->slots, p->stride, p->mask, pos);
		int32_t dif = (int32_t)(atomic_load_explicit(seq, memory_order_acquire) - pos);
		if (dif == 0) {
			if (atomic_compare_exchange_weak_explicit(p->head_p, &pos, pos + 1,
								  memory_order_relaxed,
								  memory_order_relaxed)) {
				p->head = pos;
				return (unsigned char *)seq + RING_CELL_HDR;
			}
		} else if (dif < 0) {
			return NULL;   /* the cell still holds the message of the last lap */
		} else {
			pos = atomic_load_explicit(p->head_p, memory_order_relaxed);
		}
	}
}

static inline void ring_mp_commit(struct ring_prod *p)
{
	uint32_t pos = p->head;
	atomic_store_explicit(ring__cell_seq(p->slots, p->stride, p->mask, pos), pos + 1,
			      memory_order_release);
	ring__prod_notify(p, pos, 1, (enum ring_wake)p->wake);
}

static inline const void *ring_mp_peek(struct ring_cons *c)
{
	uint32_t pos;
	_Atomic uint32_t *seq;
	if (c->variant == RING_MPSC) {
		pos = c->tail;
		seq = ring__cell_seq(c->slots, c->stride, c->mask, pos);
		if (atomic_load_explicit(seq, memory_order_acquire) != pos + 1)
			return NULL;
		return (unsigned char *)seq + RING_CELL_HDR;
	}
	pos = atomic_load_explicit(c->tail_p, memory_order_relaxed);
	for (;;) {
		seq = ring__cell_seq(c->slots, c->stride, c->mask, pos);
		int32_t dif = (int32_t)(atomic_load_explicit(seq, memory_order_acquire) - (pos + 1));
		if (dif == 0) {
			if (atomic_compare_exchange_weak_explicit(c->tail_p, &pos, pos + 1,
								  memory_order_relaxed,
								  memory_order_relaxed)) {
				c->tail = pos;
				return (unsigned char *)seq + RING_CELL_HDR;
			}
		} else if (dif < 0) {
			return NULL;
		} else {
			pos = atomic_load_explicit(c->tail_p, memory_order_relaxed);
		}
	}
}

static inline void ring_mp_release(struct ring_cons *c)
{
	uint32_t pos = c->tail;
	if (c->variant == RING_MPSC) {
		/* Single consumer: the shared tail is only a report, read by
		 * producers using TRANSITION and by attach.  It is stored before
		 * the cell is freed, so whoever sees the freed cell (the release
		 * below) sees the tail too: head - tail never exceeds capacity. */
		c->tail = pos + 1;
		atomic_store_explicit(c->tail_p, pos + 1, memory_order_relaxed);
	}
	atomic_store_explicit(ring__cell_seq(c->slots, c->stride, c->mask, pos),
			      pos + c->nslots, memory_order_release);
}

/* ---- the one interface over every variant --------------------------------- */

/* A slot to fill, or NULL when the ring is full. */
static inline void *ring_reserve(struct ring_prod *p)
{
	switch (p->variant) {
	case RING_CACHED:
	case RING_BATCHED:
		return ring_spsc_reserve(p);
	case RING_NAIVE:
		return ring_naive_reserve(p);
	case RING_STAMPED:
		return ring_stamped_reserve(p);
	default:
		return ring_mp_reserve(p);
	}
}

/* Publish the slot returned by the last successful ring_reserve(). */
static inline void ring_commit(struct ring_prod *p)
{
	switch (p->variant) {
	case RING_CACHED:
	case RING_BATCHED:
		ring_spsc_commit_n_w(p, 1, (enum ring_wake)p->wake);
		break;
	case RING_NAIVE:
		ring_naive_commit(p);
		break;
	case RING_STAMPED:
		ring_stamped_commit_n_w(p, 1, (enum ring_wake)p->wake);
		break;
	default:
		ring_mp_commit(p);
		break;
	}
}

/* The oldest message in place, or NULL when the ring is empty. */
static inline const void *ring_peek(struct ring_cons *c)
{
	switch (c->variant) {
	case RING_CACHED:
	case RING_BATCHED:
		return ring_spsc_peek(c);
	case RING_NAIVE:
		return ring_naive_peek(c);
	case RING_STAMPED:
		return ring_stamped_peek(c);
	default:
		return ring_mp_peek(c);
	}
}

/* Free the message returned by the last successful ring_peek(). */
static inline void ring_release(struct ring_cons *c)
{
	switch (c->variant) {
	case RING_CACHED:
	case RING_BATCHED:
	case RING_STAMPED:
		ring_spsc_release_n_w(c, 1, (enum ring_wake)c->wake);
		break;
	case RING_NAIVE:
		ring_naive_release(c);
		break;
	default:
		ring_mp_release(c);
		break;
	}
}

/* Copy one message (slot_size bytes) in: RING_OK or RING_EFULL. */
static inline int ring_push(struct ring_prod *p, const void *msg)
{
	if (p->variant == RING_CACHED || p->variant == RING_BATCHED) {
		if (RING_UNLIKELY(!ring__spsc_room(p)))
			return RING_EFULL;
		__builtin_memcpy(ring__spsc_slot(p), msg, p->slot_size);
		ring_spsc_commit_n_w(p, 1, (enum ring_wake)p->wake);
		return RING_OK;
	}
	void *s = ring_reserve(p);
	if (RING_UNLIKELY(!s))
		return RING_EFULL;
	__builtin_memcpy(s, msg, p->slot_size);
	ring_commit(p);
	return RING_OK;
}

/* Copy one message (slot_size bytes) out: RING_OK or RING_EEMPTY. */
static inline int ring_pop(struct ring_cons *c, void *msg)
{
	if (c->variant == RING_CACHED || c->variant == RING_BATCHED) {
		if (RING_UNLIKELY(!ring__spsc_ready(c)))
			return RING_EEMPTY;
		__builtin_memcpy(msg, ring__spsc_msg(c), c->slot_size);
		ring_spsc_release_n_w(c, 1, (enum ring_wake)c->wake);
		return RING_OK;
	}
	const void *s = ring_peek(c);
	if (RING_UNLIKELY(!s))
		return RING_EEMPTY;
	__builtin_memcpy(msg, s, c->slot_size);
	ring_release(c);
	return RING_OK;
}

/* Batches (CACHED, BATCHED and STAMPED rings; other variants return 0). */
static inline uint32_t ring_reserve_n(struct ring_prod *p, uint32_t want, void **first)
{
	if (p->variant == RING_STAMPED) {
		uint32_t n = ring_spsc_reserve_n(p, want, first);
		*first = (unsigned char *)*first + RING_CELL_HDR;
		return n;
	}
	if (p->variant != RING_CACHED && p->variant != RING_BATCHED)
		return 0;
	return ring_spsc_reserve_n(p, want, first);
}

static inline void ring_commit_n(struct ring_prod *p, uint32_t n)
{
	if (p->variant == RING_STAMPED)
		ring_stamped_commit_n_w(p, n, (enum ring_wake)p->wake);
	else
		ring_spsc_commit_n_w(p, n, (enum ring_wake)p->wake);
}

static inline uint32_t ring_peek_n(struct ring_cons *c, uint32_t max, const void **first)
{
	if (c->variant == RING_STAMPED)
		return ring_stamped_peek_n(c, max, first);
	if (c->variant != RING_CACHED && c->variant != RING_BATCHED)
		return 0;
	return ring_spsc_peek_n(c, max, first);
}

static inline void ring_release_n(struct ring_cons *c, uint32_t n)
{
	ring_spsc_release_n_w(c, n, (enum ring_wake)c->wake);
}

/* Blocking forms: wait by the ring's protocol until the operation succeeds. */
static inline void ring_push_wait(struct ring_prod *p, const void *msg)
{
	while (ring_push(p, msg) != RING_OK)
		ring_prod_wait(p);
}

static inline void ring_pop_wait(struct ring_cons *c, void *msg)
{
	while (ring_pop(c, msg) != RING_OK)
		ring_cons_wait(c);
}

#endif /* IPC_RING_H */
