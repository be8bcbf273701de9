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
 * - A thread queued on an endpoint is TS_BLOCKED, BLK_SEND or BLK_RECV,
 *   with wait_obj the endpoint; a caller waiting for its reply is
 *   BLK_REPLY with wait_obj its server, and that server's `caller` names
 *   it (ep_await_reply): one caller per server thread at a time.
 * - When the last capability goes, every queued thread wakes with
 *   IPC_E_STATE.
 * - Call and ReplyRecv first try the fast path (fastpath.c), which takes
 *   the common case with the same results and falls back to ep_call and
 *   ep_reply_recv for everything else.
 * The capability and message-info checks are done before these are called
 * (syscall.c).
 * Locking: every endpoint and every queue in it under the kernel lock
 * (klock.h); a call or reply between threads of two CPUs takes the
 * general path (the fast path hands over only on one CPU, fastpath.c).
 */
#ifndef EP_H
#define EP_H

#include "sched.h"

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
static inline uint64_t ep_call(struct ep *e, uint64_t badge, uint64_t info, const uint64_t mr[4])
{
	return ep_send(e, badge, info, mr, true, true);
}
uint64_t ep_recv(struct ep *e);
uint64_t ep_reply(uint64_t info, const uint64_t mr[4]);
uint64_t ep_reply_recv(struct ep *e, uint64_t info, const uint64_t mr[4]);
void ep_abandon_caller(struct thread *server);
/* Queue self, the current thread, on e (BLK_SEND or BLK_RECV), not yet
 * switching; ep_block_on finds self itself.  Inline: the ReplyRecv fast
 * path ends with it. */
static inline void ep_block_thread(struct thread *self, struct ep *e, enum block_on why,
                                   uint8_t state)
{
	self->state = TS_BLOCKED;
	self->blocked_on = (uint8_t)why;
	self->wait_obj = e;
	/* tq_push(&e->q, self), written on e (GCC then keeps no pointer to
	 * the queue: one instruction fewer in the ReplyRecv fast path) */
	struct thread *tail = e->q.tail;
	self->next = NULL;
	self->prev = tail;
	if (tail)
		tail->next = self;
	else
		e->q.head = self;
	e->q.tail = self;
	e->state = state;
}
static inline void ep_block_on(struct ep *e, enum block_on why, uint8_t state)
{
	ep_block_thread(current, e, why, state);
}

/* Inline parts shared by ep.c and the fast path. */

/* The first thread queued on e, taken off; e goes idle after its last.
 * e must not be idle. */
static inline struct thread *ep_dequeue(struct ep *e)
{
	struct thread *t = e->q.head;
	e->q.head = t->next;
	if (unlikely(t->next)) {
		t->next->prev = NULL;
	} else {
		e->q.tail = NULL;
		e->state = EP_IDLE;
	}
	return t;
}

/* Message words 4..len-1 from src's IPC buffer to dst's.  A loop of its
 * own, not a call of memcpy (which copies the same way, a word at a time):
 * no call, so that the fast paths need no stack frame. */
static inline void ep_copy_words(const struct thread *src, struct thread *dst, uint64_t len)
{
	if (unlikely(len > MSG_REG_WORDS)) {
		uint64_t *d = phys_to_virt(dst->ipcbuf_pa);
		const uint64_t *s = phys_to_virt(src->ipcbuf_pa);
		for (uint64_t i = MSG_REG_WORDS; i < len; i++)
			d[i] = s[i];
	}
}

/* A message without a capability (info is its length) from src to the
 * waiting dst, which becomes runnable (not queued: the caller switches). */
static inline void ep_deliver_plain(struct thread *src, struct thread *dst, uint64_t info,
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
	ep_copy_words(src, dst, info);
	thread_unblock(dst);
}

/* caller, whose call `server` has just taken, waits for its reply. */
static inline void ep_await_reply(struct thread *caller, struct thread *server)
{
	server->caller = caller;
	caller->state = TS_BLOCKED;
	caller->blocked_on = BLK_REPLY;
	caller->wait_obj = server;
}

#endif
