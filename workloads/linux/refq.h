/*
 * refq.h: the ring benchmark's own baseline, a minimal cached-index
 * single-producer/single-consumer queue written for the comparison (not part
 * of ipc/, and not used by anything but the benchmarks).
 *
 * It is the textbook design and nothing more, so that a ratio of an ipc/
 * variant to it says how far the library is from the design itself:
 *  - two free-running 64-bit indices, head (written by the producer only)
 *    and tail (written by the consumer only), each alone in a 128-byte block
 *    of the shared region, the slots after them; a power-of-two slot count,
 *    the index masked;
 *  - each side keeps its own index and a cached copy of the other's in its
 *    private handle (its own process's memory), and reads the other's shared
 *    index only when the cached copy says full (empty);
 *  - the payload is written with plain stores and published with a release
 *    store of the index, read after an acquire load of it.  No
 *    read-modify-write, no wake-up protocol (polling only), no header, no
 *    checks of a peer: trust between the two sides is assumed.
 * Every function is static inline: the benchmark's loops are the queue's
 * code and nothing else.
 */
#ifndef IPCLAB_LINUX_REFQ_H
#define IPCLAB_LINUX_REFQ_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define REFQ_BLOCK 128u   /* spacing of the two indices and the slots */

struct refq_shared {
	_Alignas(REFQ_BLOCK) _Atomic uint64_t head;
	_Alignas(REFQ_BLOCK) _Atomic uint64_t tail;
	_Alignas(REFQ_BLOCK) unsigned char slots[];
};

struct refq_prod {
	uint64_t head;        /* own index */
	uint64_t tail_cache;  /* the consumer's, as last read */
	uint64_t mask, cap, slot;
	unsigned char *slots;
	struct refq_shared *q;
};

struct refq_cons {
	uint64_t tail;        /* own index */
	uint64_t head_cache;  /* the producer's, as last read */
	uint64_t mask, slot;
	const unsigned char *slots;
	struct refq_shared *q;
};

/* Bytes of a queue of cap (a power of two) slots of slot bytes. */
static inline size_t refq_size(uint64_t cap, uint64_t slot)
{
	return sizeof(struct refq_shared) + cap * slot;
}

/* mem: zeroed, 128-byte aligned, refq_size() bytes (both sides). */
static inline void refq_prod_init(struct refq_prod *p, void *mem, uint64_t cap, uint64_t slot)
{
	p->q = mem;
	p->head = p->tail_cache = 0;
	p->mask = cap - 1;
	p->cap = cap;
	p->slot = slot;
	p->slots = p->q->slots;
}

static inline void refq_cons_init(struct refq_cons *c, void *mem, uint64_t cap, uint64_t slot)
{
	c->q = mem;
	c->tail = c->head_cache = 0;
	c->mask = cap - 1;
	c->slot = slot;
	c->slots = c->q->slots;
}

/* 8-byte messages (slot 8). */
static inline bool refq_push64(struct refq_prod *p, uint64_t v)
{
	uint64_t h = p->head;
	if (h - p->tail_cache == p->cap) {
		p->tail_cache = atomic_load_explicit(&p->q->tail, memory_order_acquire);
		if (h - p->tail_cache == p->cap)
			return false;
	}
	((uint64_t *)(void *)p->slots)[h & p->mask] = v;
	p->head = h + 1;
	atomic_store_explicit(&p->q->head, h + 1, memory_order_release);
	return true;
}

static inline bool refq_pop64(struct refq_cons *c, uint64_t *v)
{
	uint64_t t = c->tail;
	if (t == c->head_cache) {
		c->head_cache = atomic_load_explicit(&c->q->head, memory_order_acquire);
		if (t == c->head_cache)
			return false;
	}
	*v = ((const uint64_t *)(const void *)c->slots)[t & c->mask];
	c->tail = t + 1;
	atomic_store_explicit(&c->q->tail, t + 1, memory_order_release);
	return true;
}

/* Messages of the queue's slot size, copied in and out. */
static inline bool refq_push(struct refq_prod *p, const void *msg)
{
	uint64_t h = p->head;
	if (h - p->tail_cache == p->cap) {
		p->tail_cache = atomic_load_explicit(&p->q->tail, memory_order_acquire);
		if (h - p->tail_cache == p->cap)
			return false;
	}
	memcpy(p->slots + (h & p->mask) * p->slot, msg, p->slot);
	p->head = h + 1;
	atomic_store_explicit(&p->q->head, h + 1, memory_order_release);
	return true;
}

static inline bool refq_pop(struct refq_cons *c, void *msg)
{
	uint64_t t = c->tail;
	if (t == c->head_cache) {
		c->head_cache = atomic_load_explicit(&c->q->head, memory_order_acquire);
		if (t == c->head_cache)
			return false;
	}
	memcpy(msg, c->slots + (t & c->mask) * c->slot, c->slot);
	c->tail = t + 1;
	atomic_store_explicit(&c->q->tail, t + 1, memory_order_release);
	return true;
}

#endif
