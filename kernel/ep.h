/*
 * Endpoints: synchronous rendezvous, seL4-style.
 *
 * States: EP_IDLE (no queue), EP_SEND (senders queued), EP_RECV (receivers
 * queued); the queue is FIFO and holds one kind of thread at a time.
 * - send: a receiver waits -> the message goes to it and it wakes;
 *   otherwise the sender blocks in the queue (nbsend returns
 *   IPC_E_WOULDBLOCK instead).
 * - recv: a sender waits -> take its message (a caller then waits for the
 *   reply: the receiver's `caller`); otherwise block.
 * - call: send, then wait for the reply; only the receiver that took the
 *   call can reply to it, and only once.  A receiver that receives again (or
 *   stops) before replying abandons its caller, which wakes with
 *   IPC_E_STATE rather than waiting for ever.
 * - reply_recv: reply to this thread's caller, then recv.
 * A message is up to MSG_MAX_WORDS words: 0..3 in registers, the rest in
 * the IPC buffers.  It may carry one capability if the sender's endpoint
 * capability has the grant right; it lands in the slot the receiver named
 * in word 0 of its IPC buffer (IPCBUF_RECV_SLOT), or is dropped with
 * MSG_CAP_LOST set in the info when that slot is unusable.
 */
#ifndef EP_H
#define EP_H

#include "thread.h"

enum ep_state { EP_IDLE, EP_SEND, EP_RECV };

struct ep {
	bool used;
	unsigned refs;
	uint8_t state;   /* enum ep_state */
	struct tqueue q;
};

extern struct ep ep_pool[];
extern const unsigned ep_pool_size;

struct ep *ep_alloc(void);
void ep_release(struct ep *e);
void ep_cancel(struct thread *t);   /* t leaves the queue it waits in */

/* The syscalls (syscall.c checks the capability, ep.c does the rest). */
uint64_t ep_send(struct ep *e, uint64_t badge, uint64_t info, const uint64_t mr[4],
                 bool blocking, bool call);
uint64_t ep_recv(struct ep *e);
uint64_t ep_reply(uint64_t info, const uint64_t mr[4]);
uint64_t ep_reply_recv(struct ep *e, uint64_t info, const uint64_t mr[4]);
void ep_abandon_caller(struct thread *server);
/* Queue the current thread on e (BLK_SEND or BLK_RECV), not yet switching. */
void ep_block_on(struct ep *e, enum block_on why, uint8_t state);

/*
 * The fast paths of Call and ReplyRecv, seL4's way: a list of guards for
 * the common case (no capability in the message, the other side already
 * waiting, nobody of higher priority ready); any guard that fails falls
 * back to the general path, so the fast path only has to be correct, never
 * complete.  Inline, so that a syscall handler is one frame.  The message
 * info must have passed check_info (syscall.c).
 */
#include "cap.h"
#include "sched.h"

static inline void ep_fast_deliver(struct thread *src, struct thread *dst, uint64_t info,
                                   uint64_t m0, uint64_t m1, uint64_t m2, uint64_t m3,
                                   uint64_t badge)
{
	dst->ret[0] = IPC_OK;
	dst->ret[1] = info;
	dst->ret[2] = m0;
	dst->ret[3] = m1;
	dst->ret[4] = m2;
	dst->ret[5] = m3;
	dst->ret[6] = badge;
	if (unlikely(info > MSG_REG_WORDS))
		memcpy((uint64_t *)phys_to_virt(dst->ipcbuf_pa) + MSG_REG_WORDS,
		       (const uint64_t *)phys_to_virt(src->ipcbuf_pa) + MSG_REG_WORDS,
		       (info - MSG_REG_WORDS) * sizeof(uint64_t));
	dst->state = TS_RUNNABLE;
	dst->blocked_on = BLK_NONE;
	dst->wait_obj = NULL;
}

static inline uint64_t ep_call_fast(const struct cap *c, uint64_t info, uint64_t m0, uint64_t m1,
                                    uint64_t m2, uint64_t m3)
{
	struct ep *e = c->obj;
	struct thread *self = current;
	struct thread *dst = e->q.head;
	if (likely(info <= MSG_MAX_WORDS && e->state == EP_RECV &&
	           (int)dst->prio >= runq_top_prio())) {
		e->q.head = dst->next;
		if (dst->next) {
			dst->next->prev = NULL;
		} else {
			e->q.tail = NULL;
			e->state = EP_IDLE;
		}
		ep_fast_deliver(self, dst, info, m0, m1, m2, m3, c->badge);
		dst->caller = self;
		self->state = TS_BLOCKED;
		self->blocked_on = BLK_REPLY;
		self->wait_obj = dst;
		current = dst;
		arch_switch(self, dst);
		return current->ret[0];
	}
	const uint64_t mr[MSG_REG_WORDS] = { m0, m1, m2, m3 };
	return ep_send(e, c->badge, info, mr, true, true);
}

static inline uint64_t ep_reply_recv_fast(struct ep *e, uint64_t info, uint64_t m0, uint64_t m1,
                                          uint64_t m2, uint64_t m3)
{
	struct thread *self = current;
	struct thread *c = self->caller;
	if (likely(info <= MSG_MAX_WORDS && c && e->state != EP_SEND &&
	           (int)c->prio >= runq_top_prio())) {
		self->caller = NULL;
		ep_fast_deliver(self, c, info, m0, m1, m2, m3, 0);
		ep_block_on(e, BLK_RECV, EP_RECV);
		current = c;
		arch_switch(self, c);
		return current->ret[0];
	}
	const uint64_t mr[MSG_REG_WORDS] = { m0, m1, m2, m3 };
	return ep_reply_recv(e, info, mr);
}

#endif
