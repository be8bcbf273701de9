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
 * - Waiters are woken in FIFO order, one per signal.  When the last
 *   capability goes, every waiter wakes with IPC_E_STATE (nobody could
 *   signal it any more).
 * The capability checks (type, rights, which badge) are done before these
 * are called (syscall.c, cap_badge()).
 * Locking: the word and the queue under the kernel lock (klock.h); a
 * waiter of another CPU is woken there by the reschedule SGI (sched.h).
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
/* SYS_WAIT's work: the pending word in current->ret[1] and IPC_OK, or
 * block until a signal (or the notification's end) sets both. */
uint64_t ntfn_wait(struct ntfn *n);
/* Poll and peek: the pending word, cleared or left.  Inline, because they
 * are a load and a store: called in ntfn.c, SYS_POLL cost 3 instructions
 * more (measured). */
static inline uint64_t ntfn_poll(struct ntfn *n)
{
	uint64_t w = n->word;
	n->word = 0;
	return w;
}
static inline uint64_t ntfn_peek(const struct ntfn *n) { return n->word; }
void ntfn_cancel(struct thread *t);     /* t leaves the wait queue */

#endif
