/*
 * hotpath.c: the fast paths as an ipclab task would compile them, for
 * inspection (make ipc-check prints their size).  Not linked anywhere.
 */
#include "../ring.h"

/* The best variant's push then pop of one 8-byte message, polling. */
bool ipc_hot_pushpop(struct ring_prod *p, struct ring_cons *c, uint64_t v, uint64_t *out);
bool ipc_hot_pushpop(struct ring_prod *p, struct ring_cons *c, uint64_t v, uint64_t *out)
{
	return ring_spsc_push64_w(p, v, RING_WAKE_POLL) &&
	       ring_spsc_pop64_w(c, out, RING_WAKE_POLL);
}

/* The same with the announce protocol (one fence and a flag load more). */
bool ipc_hot_pushpop_announce(struct ring_prod *p, struct ring_cons *c, uint64_t v, uint64_t *out);
bool ipc_hot_pushpop_announce(struct ring_prod *p, struct ring_cons *c, uint64_t v, uint64_t *out)
{
	return ring_spsc_push64_w(p, v, RING_WAKE_ANNOUNCE) &&
	       ring_spsc_pop64_w(c, out, RING_WAKE_ANNOUNCE);
}

/* A batch of 32 8-byte messages in, then out. */
uint32_t ipc_hot_batch32(struct ring_prod *p, struct ring_cons *c, uint64_t v, uint64_t *sum);
uint32_t ipc_hot_batch32(struct ring_prod *p, struct ring_cons *c, uint64_t v, uint64_t *sum)
{
	void *w;
	const void *r;
	if (ring_spsc_reserve_n(p, 32, &w) != 32)
		return 0;
	uint64_t *s = w;
	for (uint32_t i = 0; i < 32; i++)
		s[i] = v + i;
	ring_spsc_commit_n_w(p, 32, RING_WAKE_POLL);
	uint32_t n = ring_spsc_peek_n(c, 32, &r);
	const uint64_t *q = r;
	uint64_t acc = 0;
	for (uint32_t i = 0; i < n; i++)
		acc += q[i];
	ring_spsc_release_n_w(c, n, RING_WAKE_POLL);
	*sum = acc;
	return n;
}

/* The seed's ring, for comparison. */
bool ipc_hot_pushpop_naive(struct ring_prod *p, struct ring_cons *c, const void *m, void *out);
bool ipc_hot_pushpop_naive(struct ring_prod *p, struct ring_cons *c, const void *m, void *out)
{
	uint64_t *s = ring_naive_reserve(p);
	if (!s)
		return false;
	*s = *(const uint64_t *)m;
	ring_naive_commit(p);
	const uint64_t *q = ring_naive_peek(c);
	if (!q)
		return false;
	*(uint64_t *)out = *q;
	ring_naive_release(c);
	return true;
}

/* The STAMPED ring: the consumer polls the slot's stamp. */
bool ipc_hot_pushpop_stamped(struct ring_prod *p, struct ring_cons *c, uint64_t v, uint64_t *out);
bool ipc_hot_pushpop_stamped(struct ring_prod *p, struct ring_cons *c, uint64_t v, uint64_t *out)
{
	return ring_stamped_push64_w(p, v, RING_WAKE_POLL) &&
	       ring_stamped_pop64_w(c, out, RING_WAKE_POLL);
}

/* A batch of 32 8-byte messages through the copying batch calls. */
uint32_t ipc_hot_batch32_n64(struct ring_prod *p, struct ring_cons *c, const uint64_t *in,
			     uint64_t *out);
uint32_t ipc_hot_batch32_n64(struct ring_prod *p, struct ring_cons *c, const uint64_t *in,
			     uint64_t *out)
{
	if (ring_spsc_push_n64_w(p, in, 32, RING_WAKE_POLL) != 32)
		return 0;
	return ring_spsc_pop_n64_w(c, out, 32, RING_WAKE_POLL);
}
