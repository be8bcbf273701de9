/*
 * The Call/ReplyRecv fast paths (fastpath.h).  Each guard is a named
 * predicate, read in the same order by both: the message, the other side,
 * the scheduler.
 */
#include "fastpath.h"
#include "ep.h"
#include "sched.h"
#include "task.h"

/* A message the fast path can carry: no capability to transfer, no
 * reserved bit, at most a page.  The info is then its length: any info
 * above MSG_MAX_WORDS has a flag set or is too long (and the general path
 * checks it). */
static inline bool fp_plain_message(uint64_t info) { return info <= MSG_MAX_WORDS; }

/* A receiver waits on e: the call can be handed over at once. */
static inline bool fp_receiver_waiting(const struct ep *e) { return e->state == EP_RECV; }

/* No sender waits on e: after the reply the server blocks in recv (else
 * the general path takes the waiting message at once). */
static inline bool fp_no_sender_waiting(const struct ep *e) { return e->state != EP_SEND; }

/* The server has a caller to answer (else IPC_E_NOREPLY, the general path's). */
static inline bool fp_has_caller(const struct thread *server) { return server->caller != NULL; }

/* t may run now in place of `self`, the current thread, which is about to
 * block: it is of this CPU (else it is woken there, sched_handoff) and no
 * ready thread outranks it (else the scheduler must choose). */
static inline bool fp_may_run_now(const struct thread *self, const struct thread *t)
{
	const struct cpu *c = self->cpu;
	if (t->cpu != c)
		return false;
	if (likely(!c->runq_words))   /* nothing ready: no priority to compare */
		return true;
	return (int)t->prio >= runq_top_prio_of(c);
}

uint64_t fastpath_call(uint64_t slot, uint64_t info, uint64_t m0, uint64_t m1, uint64_t m2,
                       uint64_t m3)
{
	struct thread *self = current;
	struct cap *c = cap_lookup_fast(&self->task->cs, slot, CAP_EP, RIGHT_WRITE);
	if (unlikely(!c))
		return (uint64_t)(int64_t)cap_lookup_error(&self->task->cs, slot, CAP_EP, RIGHT_WRITE);
	struct ep *e = c->obj;
	struct thread *dst = e->q.head;   /* the receiver, when one waits */
	if (likely(fp_plain_message(info) && fp_receiver_waiting(e) && fp_may_run_now(self, dst))) {
		ep_dequeue(e);
		ep_deliver_plain(self, dst, info, m0, m1, m2, m3, c->badge);
		ep_await_reply(self, dst);
		return sched_switch_fast(self, info, m0, m1, m2, m3, dst);   /* a tail call */
	}
	return syscall_call_general(self, info, m0, m1, m2, m3, c);
}

uint64_t fastpath_reply_recv(uint64_t slot, uint64_t info, uint64_t m0, uint64_t m1, uint64_t m2,
                             uint64_t m3)
{
	struct thread *self = current;
	struct cap *cap = cap_lookup_fast(&self->task->cs, slot, CAP_EP, RIGHT_READ);
	if (unlikely(!cap))
		return (uint64_t)(int64_t)cap_lookup_error(&self->task->cs, slot, CAP_EP, RIGHT_READ);
	struct ep *e = cap->obj;
	struct thread *c = self->caller;
	if (likely(fp_plain_message(info) && fp_has_caller(self) && fp_no_sender_waiting(e) &&
	           fp_may_run_now(self, c))) {
		self->caller = NULL;
		ep_deliver_plain(self, c, info, m0, m1, m2, m3, 0);
		ep_block_thread(self, e, BLK_RECV, EP_RECV);
		return sched_switch_fast(self, info, m0, m1, m2, m3, c);   /* a tail call */
	}
	return syscall_reply_recv_general(self, info, m0, m1, m2, m3, cap);
}
