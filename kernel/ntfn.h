/*
 * Notifications: a 64-bit word of signal bits and a FIFO queue of waiters.
 *
 * States: idle (word 0, no waiter), active (word != 0, no waiter),
 * waiting (word 0, waiters queued).  Never both a word and waiters.
 * - signal(b): waiting -> the first waiter gets b and wakes (and runs at
 *   once if it outranks the signaller); otherwise word |= b.
 * - wait: active -> return the word and clear it; otherwise block.
 * - poll: return the word and clear it, 0 when idle; never blocks.
 * - peek: return the word, leave it.
 */
#ifndef NTFN_H
#define NTFN_H

#include "thread.h"

struct ntfn {
	bool used;
	unsigned refs;
	uint64_t word;
	struct tqueue waiters;
};

extern struct ntfn ntfn_pool[];
extern const unsigned ntfn_pool_size;

struct ntfn *ntfn_alloc(void);
void ntfn_release(struct ntfn *n);
void ntfn_signal(struct ntfn *n, uint64_t badge);
/* Blocks the current thread if nothing is pending; returns the word. */
uint64_t ntfn_wait(struct ntfn *n);
void ntfn_cancel(struct thread *t);     /* t leaves the wait queue */

#endif
