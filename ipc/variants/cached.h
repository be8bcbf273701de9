/*
 * variants/cached.h: the fast paths of CACHED and BATCHED rings (single
 * producer, single consumer, cached indices), and the 8-byte and batch-of-8-byte
 * forms the workloads count instructions on.
 *
 * Part of ring.h, which includes it after the types and the wake-up checks
 * it needs: include "ring.h", never this file alone.
 */
#ifndef IPC_VARIANTS_CACHED_H
#define IPC_VARIANTS_CACHED_H

#ifndef IPC_RING_H
#error "include ring.h: variants/cached.h is one of its parts"
#endif

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
	/* The own index is read once, before the (acquire) reload of the
	 * tail, and kept: the producer alone writes it, so a re-read after the
	 * acquire (which the compiler must otherwise do) would only cost
	 * instructions. */
	uint32_t h = p->head;
	if (RING_UNLIKELY(h == p->limit)) {
		p->limit = atomic_load_explicit(p->tail_p, memory_order_acquire) + p->capacity;
		if (h == p->limit)
			return false;
	}
	((uint64_t *)(void *)p->slots)[h & p->mask] = v;
	p->head = h + 1;
	atomic_store_explicit(p->head_p, h + 1, memory_order_release);
	ring__prod_notify(p, h, 1, w);
	return true;
}

static inline bool ring_spsc_pop64_w(struct ring_cons *c, uint64_t *v, enum ring_wake w)
{
	uint32_t t = c->tail;   /* read once, as the producer's head above */
	if (RING_UNLIKELY(t == c->avail)) {
		c->avail = atomic_load_explicit(c->head_p, memory_order_acquire);
		if (t == c->avail)
			return false;
	}
	*v = ((const uint64_t *)(const void *)c->slots)[t & c->mask];
	c->tail = t + 1;
	atomic_store_explicit(c->tail_p, t + 1, memory_order_release);
	ring__cons_notify(c, t, w);
	return true;
}

/* Copy n 8-byte words: 32 at a time, then 16, 8, 4, 2 and 1.
 * On aarch64 with paired loads and stores, even when built with the task
 * flags (no FP/SIMD registers) and without a libc memcpy: eight words cost
 * 4 ldp and 4 stp (the last of each post-indexed), so 32 words cost 32
 * and the loop's compare and branch. */
#if defined(__aarch64__)
#define RING__COPY8(d, s)                                                              \
	do {                                                                           \
		uint64_t a_, b_, c_, e_, f_, g_, h_, k_;                               \
		__asm__ __volatile__("ldp %[c], %[e], [%[s], #16]\n\t"                 \
				     "ldp %[f], %[g], [%[s], #32]\n\t"                 \
				     "ldp %[h], %[k], [%[s], #48]\n\t"                 \
				     "ldp %[a], %[b], [%[s]], #64\n\t"                 \
				     "stp %[c], %[e], [%[d], #16]\n\t"                 \
				     "stp %[f], %[g], [%[d], #32]\n\t"                 \
				     "stp %[h], %[k], [%[d], #48]\n\t"                 \
				     "stp %[a], %[b], [%[d]], #64"                      \
				     : [a] "=&r"(a_), [b] "=&r"(b_), [c] "=&r"(c_),      \
				       [e] "=&r"(e_), [f] "=&r"(f_), [g] "=&r"(g_),      \
				       [h] "=&r"(h_), [k] "=&r"(k_), [s] "+r"(s), [d] "+r"(d), \
				       "=m"(*(uint64_t(*)[8])(void *)(d))                  \
				     : "m"(*(const uint64_t(*)[8])(const void *)(s)));  \
	} while (0)
#endif

static inline __attribute__((always_inline)) void ring__copy64(uint64_t *d, const uint64_t *s,
								uint32_t n)
{
#if defined(__aarch64__)
	const uint64_t *end = s + (n & ~31u);
	while (s != end) {
		RING__COPY8(d, s);
		RING__COPY8(d, s);
		RING__COPY8(d, s);
		RING__COPY8(d, s);
	}
	if (n & 31) {   /* one test when n is a multiple of 32 */
		if (n & 16) {
			RING__COPY8(d, s);
			RING__COPY8(d, s);
		}
		if (n & 8)
			RING__COPY8(d, s);
		if (n & 4) {
			uint64_t a, b, c, e;
			__asm__ __volatile__("ldp %[c], %[e], [%[s], #16]\n\t"
					     "ldp %[a], %[b], [%[s]], #32\n\t"
					     "stp %[c], %[e], [%[d], #16]\n\t"
					     "stp %[a], %[b], [%[d]], #32"
					     : [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [e] "=&r"(e),
					       [s] "+r"(s), [d] "+r"(d),
					       "=m"(*(uint64_t(*)[4])(void *)d)
					     : "m"(*(const uint64_t(*)[4])(const void *)s));
		}
		if (n & 2) {
			d[0] = s[0], d[1] = s[1];
			d += 2, s += 2;
		}
		if (n & 1)
			*d = *s;
	}
#else
	for (uint32_t q = n / 4; q; q--) {
		d[0] = s[0], d[1] = s[1], d[2] = s[2], d[3] = s[3];
		d += 4, s += 4;
	}
	for (uint32_t r = n % 4; r; r--)
		*d++ = *s++;
#endif
}

/* Batches of 8-byte messages on a CACHED or BATCHED ring whose slot_size is
 * 8: copy up to n in (out), publish (free) them at once; returns how many
 * (fewer at the end of the array or when the ring is nearly full/empty).
 * ring_spsc_reserve_n + copy + ring_spsc_commit_n_w, with every field the
 * publication needs read before the copy (the copy's memory clobber would
 * otherwise make the compiler read them again) and the slot address from
 * the known stride of 8. */
/* Copy k words into the free slots from idx on, then publish them. */
static inline __attribute__((always_inline)) uint32_t
ring__spsc_put_n64(struct ring_prod *p, const uint64_t *src, uint32_t idx, uint32_t k,
		   enum ring_wake w)
{
	ring__copy64((uint64_t *)(void *)p->slots + idx, src, k);
	ring_spsc_commit_n_w(p, k, w);
	return k;
}

static inline __attribute__((always_inline)) uint32_t
ring_spsc_push_n64_w(struct ring_prod *p, const uint64_t *src, uint32_t n,
					    enum ring_wake w)
{
	uint32_t h = p->head;
	uint32_t idx = h & p->mask;
	uint32_t room = p->limit - h;
	if (room < n) {   /* the cached tail says no: read the tail */
		p->limit = atomic_load_explicit(p->tail_p, memory_order_acquire) + p->capacity;
		room = p->limit - h;
	}
	/* The whole batch fits before the array's end: the copy of n (a
	 * constant where the caller's is). */
	if (RING_LIKELY(room >= n && p->nslots - idx >= n))
		return ring__spsc_put_n64(p, src, idx, n, w);
	uint32_t k = p->nslots - idx;
	if (k > room)
		k = room;
	if (k > n)
		k = n;
	return k ? ring__spsc_put_n64(p, src, idx, k, w) : 0;
}

static inline __attribute__((always_inline)) uint32_t
ring__spsc_get_n64(struct ring_cons *c, uint64_t *dst, uint32_t idx, uint32_t k, enum ring_wake w)
{
	ring__copy64(dst, (const uint64_t *)(const void *)c->slots + idx, k);
	ring_spsc_release_n_w(c, k, w);
	return k;
}

static inline __attribute__((always_inline)) uint32_t
ring_spsc_pop_n64_w(struct ring_cons *c, uint64_t *dst, uint32_t n,
					   enum ring_wake w)
{
	uint32_t t = c->tail;
	uint32_t idx = t & c->mask;
	uint32_t ready = c->avail - t;
	if (ready < n) {   /* the cached head says no: read the head */
		c->avail = atomic_load_explicit(c->head_p, memory_order_acquire);
		ready = c->avail - t;
	}
	if (RING_LIKELY(ready >= n && c->nslots - idx >= n))
		return ring__spsc_get_n64(c, dst, idx, n, w);
	uint32_t k = c->nslots - idx;
	if (k > ready)
		k = ready;
	if (k > n)
		k = n;
	return k ? ring__spsc_get_n64(c, dst, idx, k, w) : 0;
}

#endif /* IPC_VARIANTS_CACHED_H */
