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
 *   call can reply to it, and only once.
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
uint64_t ep_send(struct ep *e, uint64_t badge, bool grant, uint64_t info, const uint64_t mr[4],
                 bool blocking, bool call);
uint64_t ep_recv(struct ep *e);
uint64_t ep_reply(uint64_t info, const uint64_t mr[4]);
uint64_t ep_reply_recv(struct ep *e, uint64_t info, const uint64_t mr[4]);
void ep_abandon_caller(struct thread *server);

#endif
