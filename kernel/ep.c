#include "ep.h"
#include "cap.h"
#include "sched.h"
#include "task.h"

#define MAX_EPS 32

struct ep ep_pool[MAX_EPS];
const unsigned ep_pool_size = MAX_EPS;

struct ep *ep_alloc(void)
{
	for (unsigned i = 0; i < MAX_EPS; i++) {
		if (!ep_pool[i].used) {
			memset(&ep_pool[i], 0, sizeof ep_pool[i]);
			ep_pool[i].used = true;
			return &ep_pool[i];
		}
	}
	return NULL;
}

static uint64_t *ipcbuf(const struct thread *t) { return phys_to_virt(t->ipcbuf_pa); }

/* Deliver a message from src to dst: the words, the badge, maybe a cap. */
static void transfer(struct thread *src, uint64_t info, const uint64_t mr[MSG_REG_WORDS],
                     uint64_t badge, struct thread *dst)
{
	uint64_t len = MSG_LEN(info);
	dst->ret[2] = mr[0];
	dst->ret[3] = mr[1];
	dst->ret[4] = mr[2];
	dst->ret[5] = mr[3];
	ep_copy_words(src, dst, len);
	uint64_t out = len;
	if (unlikely(info & MSG_HAS_CAP)) {
		/* The grant right and the slot were checked when the message was
		 * sent; the slot may have been emptied since by a sibling thread. */
		const struct cap *c = &src->task->cs.slot[MSG_CAP(info)];
		uint64_t rslot = ipcbuf(dst)[IPCBUF_RECV_SLOT];
		if (c->type != CAP_NULL && cap_check_free(&dst->task->cs, rslot) == IPC_OK) {
			cap_insert(&dst->task->cs, rslot, c->type, c->rights, c->badge, c->obj);
			out |= MSG_HAS_CAP | (rslot << 16);
		} else {
			out |= MSG_CAP_LOST;
		}
	}
	dst->ret[0] = IPC_OK;
	dst->ret[1] = out;
	dst->ret[6] = badge;
}

/* A caller that will not get its reply (the server received again, or
 * stopped): it wakes with an error instead of waiting for ever. */
static void abandon_caller(struct thread *server)
{
	struct thread *c = server->caller;
	if (!c)
		return;
	server->caller = NULL;
	sched_wake_failed(c, IPC_E_STATE);
}

uint64_t ep_send(struct ep *e, uint64_t badge, uint64_t info,
                 const uint64_t mr[MSG_REG_WORDS], bool blocking, bool call)
{
	struct thread *self = current;
	if (e->state == EP_RECV) {
		struct thread *dst = ep_dequeue(e);
		transfer(self, info, mr, badge, dst);
		if (!call) {
			sched_wake(dst);
			return IPC_OK;
		}
		ep_await_reply(self, dst);
		sched_handoff(dst);
		return self->ret[0];
	}
	if (!blocking)
		return (uint64_t)IPC_E_WOULDBLOCK;
	self->send_info = info;
	self->send_badge = badge;
	self->is_call = call;
	for (int i = 0; i < MSG_REG_WORDS; i++)
		self->send_mr[i] = mr[i];
	ep_block_on(e, BLK_SEND, EP_SEND);
	sched_block();
	return self->ret[0];
}

uint64_t ep_recv(struct ep *e)
{
	struct thread *self = current;
	abandon_caller(self);
	if (e->state == EP_SEND) {
		struct thread *src = ep_dequeue(e);
		transfer(src, src->send_info, src->send_mr, src->send_badge, self);
		if (src->is_call) {
			ep_await_reply(src, self);
		} else {
			src->ret[0] = IPC_OK;
			sched_wake(src);
		}
		/* A caller this thread abandoned above, or the caller that
		 * ep_reply_recv answered, was queued while this thread went on
		 * to take the message: if it outranks this thread, it runs now. */
		sched_preempt();
		return self->ret[0];
	}
	ep_block_on(e, BLK_RECV, EP_RECV);
	sched_block();
	return self->ret[0];
}

/* Give the reply to this thread's caller, which the caller of this
 * function then wakes.  Returns the caller, or NULL when there is none. */
static struct thread *reply_to_caller(uint64_t info, const uint64_t mr[MSG_REG_WORDS])
{
	struct thread *self = current;
	struct thread *c = self->caller;
	if (!c)
		return NULL;
	self->caller = NULL;
	transfer(self, info, mr, 0, c);
	return c;
}

uint64_t ep_reply(uint64_t info, const uint64_t mr[MSG_REG_WORDS])
{
	struct thread *c = reply_to_caller(info, mr);
	if (!c)
		return (uint64_t)IPC_E_NOREPLY;
	sched_wake(c);
	return IPC_OK;
}

uint64_t ep_reply_recv(struct ep *e, uint64_t info, const uint64_t mr[MSG_REG_WORDS])
{
	struct thread *self = current;
	struct thread *c = reply_to_caller(info, mr);
	if (!c)
		return (uint64_t)IPC_E_NOREPLY;
	if (e->state == EP_SEND) {
		/* Another message is already waiting: take it, the caller
		 * queues (ep_recv ends with sched_preempt: it runs first if it
		 * outranks this thread). */
		sched_ready(c);
		return ep_recv(e);
	}
	ep_block_on(e, BLK_RECV, EP_RECV);
	sched_handoff(c);
	return self->ret[0];
}

void ep_cancel(struct thread *t)
{
	struct ep *e = t->wait_obj;
	tq_remove(&e->q, t);
	if (tq_empty(&e->q))
		e->state = EP_IDLE;
}

void ep_abandon_caller(struct thread *server) { abandon_caller(server); }

void ep_release(struct ep *e)
{
	/* Queued threads hold no capability to it any more (they could
	 * never be matched): an error rather than a hang. */
	while (e->state != EP_IDLE)
		sched_wake_failed(ep_dequeue(e), IPC_E_STATE);
	e->used = false;
}
