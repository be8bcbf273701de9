/*
 * variants/naive.h: the fast paths of NAIVE rings (the seed note's ring,
 * kept as the baseline).
 *
 * Part of ring.h, which includes it after the types and the wake-up checks
 * it needs: include "ring.h", never this file alone.
 */
#ifndef IPC_VARIANTS_NAIVE_H
#define IPC_VARIANTS_NAIVE_H

#ifndef IPC_RING_H
#error "include ring.h: variants/naive.h is one of its parts"
#endif

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

#endif /* IPC_VARIANTS_NAIVE_H */
