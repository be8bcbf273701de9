/*
 * ring_wait.c: the slow paths of the wake-up protocols: waiting (spin, then
 * by the ring's protocol) until a slot or a message is there, and calling
 * the other side's waker.  The fast paths (ring.h and the variant headers)
 * call in here only when a side must wait or must wake a sleeper.
 * Freestanding: no libc.
 */
#include "ring.h"

static bool is_mp(uint32_t variant)
{
	return variant == RING_MPSC || variant == RING_MPMC;
}

/* Could the producer fill a slot now?  Reads the shared indices. */
static bool prod_can_push(struct ring_prod *p)
{
	uint32_t h, t;
	switch (p->variant) {
	case RING_NAIVE:
		h = atomic_load_explicit(p->head_p, memory_order_acquire);
		t = atomic_load_explicit(p->tail_p, memory_order_acquire);
		return (h + 1) % p->nslots != t;
	case RING_CACHED:
	case RING_BATCHED:
	case RING_STAMPED:
		p->limit = atomic_load_explicit(p->tail_p, memory_order_acquire) + p->capacity;
		return p->head != p->limit;
	default:
		h = atomic_load_explicit(p->head_p, memory_order_relaxed);
		t = atomic_load_explicit(ring__cell_seq(p->slots, p->stride, p->mask, h),
					 memory_order_acquire);
		return (int32_t)(t - h) >= 0;
	}
}

/* Could the consumer read a message now? */
static bool cons_can_pop(struct ring_cons *c)
{
	uint32_t h, t;
	switch (c->variant) {
	case RING_NAIVE:
		t = atomic_load_explicit(c->tail_p, memory_order_acquire);
		h = atomic_load_explicit(c->head_p, memory_order_acquire);
		return h != t;
	case RING_CACHED:
	case RING_BATCHED:
		c->avail = atomic_load_explicit(c->head_p, memory_order_acquire);
		return c->avail != c->tail;
	case RING_STAMPED:
		t = c->tail;
		return atomic_load_explicit(ring__cell_seq(c->slots, c->stride, c->mask, t),
					    memory_order_acquire) == t + 1;
	case RING_MPSC:
		t = c->tail;
		break;
	default:
		t = atomic_load_explicit(c->tail_p, memory_order_relaxed);
		break;
	}
	h = atomic_load_explicit(ring__cell_seq(c->slots, c->stride, c->mask, t),
				 memory_order_acquire);
	return (int32_t)(h - (t + 1)) >= 0;
}

/* One side's view for waiting: what it waits for and how. */
struct waiter {
	bool (*ready)(void *side);   /* slow path only: an indirect call is fine */
	void *side;
	uint32_t spin;
	uint8_t wake;
	_Atomic uint32_t *flag;      /* ANNOUNCE: "I will sleep" */
	const struct ring_waker *w;
};

static bool prod_ready(void *p) { return prod_can_push(p); }
static bool cons_ready(void *c) { return cons_can_pop(c); }

/*
 * Return once ready() holds (or after a spurious wake-up).  The announce
 * sequence is the one modelled in ipc/model/wake.pml: set the flag,
 * fence, re-check, only then sleep.  The fence pairs with the publisher's
 * fence in ring__prod_notify/ring__cons_notify; for TRANSITION it orders
 * this side's last index store before the check.
 */
static void wait_ready(const struct waiter *x)
{
	for (uint32_t i = 0; i < x->spin; i++) {
		if (x->ready(x->side))
			return;
		ring_cpu_relax();
	}
	switch (x->wake) {
	case RING_WAKE_EVERY:
	case RING_WAKE_TRANSITION:
		atomic_thread_fence(memory_order_seq_cst);
		if (!x->ready(x->side))
			x->w->wait(x->w->ctx);
		return;
	case RING_WAKE_ANNOUNCE:
		if (x->ready(x->side))
			return;
		atomic_store_explicit(x->flag, 1, memory_order_relaxed);
		atomic_thread_fence(memory_order_seq_cst);
		if (x->ready(x->side)) {
			/* No sleep after all.  If a publisher took the flag meanwhile,
			 * its signal stays pending: a later wait returns at once and
			 * the caller re-checks (a spurious wake-up, not a lost one). */
			atomic_store_explicit(x->flag, 0, memory_order_relaxed);
			return;
		}
		x->w->wait(x->w->ctx);
		/* The waker took the flag, or this was spurious: either way the
		 * caller re-checks, and a flag still set costs one extra signal. */
		atomic_store_explicit(x->flag, 0, memory_order_relaxed);
		return;
	default:
		while (!x->ready(x->side))
			ring_cpu_relax();
		return;
	}
}

void ring_prod_wait(struct ring_prod *p)
{
	struct waiter x = { prod_ready, p, p->spin, p->wake, p->prod_flag, &p->space };
	if (is_mp(p->variant))
		x.wake = RING_WAKE_POLL;   /* several producers: poll for space */
	wait_ready(&x);
}

void ring_cons_wait(struct ring_cons *c)
{
	struct waiter x = { cons_ready, c, c->spin, c->wake, c->cons_flag, &c->data };
	wait_ready(&x);
}

void ring__signal_data(struct ring_prod *p)
{
	p->data.signal(p->data.ctx);
}

void ring__signal_space(struct ring_cons *c)
{
	c->space.signal(c->space.ctx);
}

/* The sleeper announced itself: take the flag (so that one sleep costs one
 * signal however many publications see it) and signal. */
void ring__wake_sleeper(_Atomic uint32_t *flag, const struct ring_waker *w)
{
	if (atomic_exchange_explicit(flag, 0, memory_order_acq_rel))
		w->signal(w->ctx);
}
