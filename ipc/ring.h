/*
 * ring.h: shared-memory message rings and their wake-up protocols.
 *
 * Freestanding C11: only <stdatomic.h>, <stdint.h>, <stddef.h>, <stdbool.h>.
 * Builds for ipclab user tasks (aarch64, no libc; the task runtime provides
 * memcpy and memset, as GCC requires of any freestanding environment;
 * the .c files themselves need neither) and for Linux.
 *
 * Where things are
 *  ring.h            types, error codes, the waker, set-up and slow-path
 *                    declarations, the wake-up checks every variant shares,
 *                    and the one interface over every variant (ring_push, ...)
 *  variants/NAME.h   each variant's fast paths, static inline so that a
 *                    push+pop costs a handful of instructions and no call:
 *                    cached.h (CACHED, BATCHED), stamped.h, naive.h, mp.h
 *                    (MPSC, MPMC); included by this file, never alone
 *  ring.c            setting up: init, attach, header checks, names
 *  ring_wait.c       the slow paths: waiting by each protocol, signalling
 *                    a sleeper
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

/* A producer's private handle.  Fields are private to the ring library. */
struct ring_prod {
	uint32_t head;           /* next position to fill (own index, private copy) */
	uint32_t limit;          /* CACHED: head may reach limit without reading
	                            the tail: cached tail + capacity */
	uint32_t nslots;         /* nslots, mask, stride in a row: one ldp loads */
	uint32_t mask;           /* nslots - 1 (power-of-two variants); mask and */
	uint32_t stride;         /* nslots (batches) or mask and stride (a slot's address) */
	unsigned char *slots;
	_Atomic uint32_t *head_p;  /* right after slots: one ldp loads both */
	_Atomic uint32_t *tail_p;
	_Atomic uint32_t *cons_flag;
	_Atomic uint32_t *prod_flag;
	uint32_t capacity;
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
	uint32_t nslots;         /* as the producer's */
	uint32_t mask;
	uint32_t stride;
	unsigned char *slots;
	_Atomic uint32_t *tail_p;  /* right after slots: one ldp loads both */
	_Atomic uint32_t *head_p;
	_Atomic uint32_t *cons_flag;
	_Atomic uint32_t *prod_flag;
	uint32_t capacity;
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
/* The one table of names, in enum order and NULL-terminated: entry i names
 * the value i + 1 (RING_NAIVE, RING_WAKE_POLL, ...).  Workload parameter
 * tables use these as their choices, so `workload=list` shows every name a
 * Python reader needs (naive cached batched mpsc mpmc stamped; poll every
 * transition announce) and nothing is spelled twice. */
extern const char *const ring_variant_names[RING_VARIANT_END];
extern const char *const ring_wake_names[RING_WAKE_END];

/* ---- slow paths (ring_wait.c) ------------------------------------------- */

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

/* ---- shared by the sequence-numbered variants ------------------------------ */

/* The stamp (sequence word) of the cell holding position pos: the first
 * word of each STAMPED, MPSC and MPMC cell, the payload RING_CELL_HDR after. */
static inline _Atomic uint32_t *ring__cell_seq(unsigned char *slots, uint32_t stride,
					       uint32_t mask, uint32_t pos)
{
	return (_Atomic uint32_t *)(void *)(slots + (size_t)(pos & mask) * stride);
}

/* ---- each variant's fast paths (one header each) -------------------------- */

#include "variants/cached.h"   /* CACHED, BATCHED */
#include "variants/stamped.h"  /* STAMPED */
#include "variants/naive.h"    /* NAIVE */
#include "variants/mp.h"       /* MPSC, MPMC */

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
