#include "ntfn.h"
#include "sched.h"

#define MAX_NTFNS 64

struct ntfn ntfn_pool[MAX_NTFNS];
const unsigned ntfn_pool_size = MAX_NTFNS;

struct ntfn *ntfn_alloc(void)
{
	for (unsigned i = 0; i < MAX_NTFNS; i++) {
		if (!ntfn_pool[i].used) {
			memset(&ntfn_pool[i], 0, sizeof ntfn_pool[i]);
			ntfn_pool[i].used = true;
			return &ntfn_pool[i];
		}
	}
	return NULL;
}

void ntfn_signal(struct ntfn *n, uint64_t badge)
{
	struct thread *t = tq_pop(&n->waiters);
	if (!t) {
		n->word |= badge;
		return;
	}
	t->ret[0] = IPC_OK;
	t->ret[1] = badge;
	sched_wake(t);
}

uint64_t ntfn_wait(struct ntfn *n)
{
	struct thread *self = current;
	if (n->word) {
		self->ret[1] = n->word;
		n->word = 0;
		return IPC_OK;
	}
	self->state = TS_BLOCKED;
	self->blocked_on = BLK_NTFN;
	self->wait_obj = n;
	tq_push(&n->waiters, self);
	/* Its status and word are its waker's to set: ntfn_signal (IPC_OK and
	 * the badge) or ntfn_release (an error).  A tail call: woken, this
	 * thread goes straight back to the syscall exit. */
	return sched_block_ret();
}

void ntfn_cancel(struct thread *t)
{
	struct ntfn *n = t->wait_obj;
	tq_remove(&n->waiters, t);
}

void ntfn_release(struct ntfn *n)
{
	/* Waiters hold no capability of their own to it any more: they
	 * could never be woken.  Give them an error rather than a hang. */
	struct thread *t;
	while ((t = tq_pop(&n->waiters)) != NULL)
		sched_wake_failed(t, IPC_E_STATE);
	n->used = false;
}
