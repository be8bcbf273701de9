/*
 * variants/stamped.h: the fast paths of STAMPED rings (single producer,
 * single consumer, each cell stamped with its position).
 *
 * Part of ring.h, which includes it after the types and the wake-up checks
 * it needs (and variants/cached.h: the
 * producer finds room and the consumer frees cells as CACHED does): include "ring.h", never this file alone.
 */
#ifndef IPC_VARIANTS_STAMPED_H
#define IPC_VARIANTS_STAMPED_H

#ifndef IPC_RING_H
#error "include ring.h: variants/stamped.h is one of its parts"
#endif

/* ---- STAMPED: single producer, single consumer, stamped slots -------------
 * Cell = 32-bit stamp (padded to 8 bytes) + payload; position pos is ready
 * when its cell's stamp is pos + 1 (cells start at 0, and a cell left from
 * the previous lap holds pos + 1 - nslots).  The producer finds room with its
 * cached copy of the tail (as CACHED) and never reads a cell; the consumer
 * reads stamps and never writes a cell.  The shared head is still kept (one
 * store to a line only the producer touches) for attach and for the
 * consumer's TRANSITION check. */


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

#endif /* IPC_VARIANTS_STAMPED_H */
