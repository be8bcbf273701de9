/*
 * variants/mp.h: the fast paths of MPSC and MPMC rings
 * (sequence-numbered cells, CAS on the shared indices).
 *
 * Part of ring.h, which includes it after the types and the wake-up checks
 * it needs: include "ring.h", never this file alone.
 */
#ifndef IPC_VARIANTS_MP_H
#define IPC_VARIANTS_MP_H

#ifndef IPC_RING_H
#error "include ring.h: variants/mp.h is one of its parts"
#endif

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

#endif /* IPC_VARIANTS_MP_H */
