/*
 * announce.pml: the announce-then-sleep wake-up protocol of ipc/ring.c,
 * both directions at once (consumer sleeping on an empty ring, producer on
 * a full one), checked exhaustively by spin.
 *
 * Claim: nobody sleeps for ever while the other side could let it go on.
 * spin reports an "invalid end state" when a process is blocked in wait()
 * at the end: that is exactly a lost wake-up (or a deadlock).  The final
 * assertion checks that every message arrived in order.
 *
 * What is modelled (ring.c, ring.h):
 *   publisher: publish the index; fence; if the sleeper's flag is set, take
 *              it (atomic exchange) and signal the notification
 *   waiter:    if ready, go on; else set the flag; fence; re-check: if ready,
 *              clear the flag and go on; else wait on the notification
 *   notification: a pending bit; signal sets it; wait blocks until it is
 *              set, then clears it (ipclab notification, futex word, eventfd)
 * Promela statements are sequentially consistent; that is what the seq_cst
 * fences give the real code (README: memory ordering).  A waiter that
 * returns after a wake re-checks from the top, as ring_push_wait does.
 *
 * Two broken variants that spin must refute (make test-ipc requires it to
 * find an error in each, which shows the check can fail):
 *   -DSKIP_RECHECK  the waiter sleeps right after setting its flag
 *   -DNO_FENCE      the publisher has no fence between publishing and reading
 *                   the flag, so (as a store buffer allows) its read of the
 *                   flag takes effect before its publication
 */

#ifndef N
#define N 4        /* messages */
#endif
#ifndef CAP
#define CAP 2      /* ring capacity */
#endif

byte head = 0;     /* messages published (producer's index) */
byte tail = 0;     /* messages consumed (consumer's index) */
bit cons_flag = 0; /* consumer announced it will sleep */
bit prod_flag = 0; /* producer announced it will sleep */
bit data = 0;      /* notification: pending for the consumer */
bit space = 0;     /* notification: pending for the producer */
byte received = 0;

#define can_push (head - tail < CAP)
#define can_pop  (head != tail)

/* Atomic exchange of the flag with 0; signal if it was set. */
inline wake(flag, ntfn)
{
	atomic {
		if
		:: flag -> flag = 0; ntfn = 1
		:: else -> skip
		fi
	}
}

/* Block until the notification is pending, then clear it. */
inline ntfn_wait(ntfn)
{
	atomic { ntfn == 1 -> ntfn = 0 }
}

#ifdef SKIP_RECHECK
#define RECHECK(ready, flag) skip
#else
#define RECHECK(ready, flag) if :: ready -> flag = 0; goto again :: else -> skip fi
#endif

/* The waiter's side of the protocol (ring.c wait_ready, ANNOUNCE). */
#define WAIT_UNTIL(ready, flag, ntfn)                                   \
again:                                                                 \
	if                                                             \
	:: ready -> skip                                               \
	:: else ->                                                     \
		flag = 1;                                              \
		RECHECK(ready, flag);                                  \
		ntfn_wait(ntfn);                                       \
		flag = 0;                                              \
		goto again                                             \
	fi

active proctype producer()
{
	byte sent = 0;
	do
	:: sent < N ->
		WAIT_UNTIL(can_push, prod_flag, space);
#ifdef NO_FENCE
		wake(cons_flag, data);      /* the read overtakes the store */
		head++;
#else
		head++;                     /* write the slot, publish */
		wake(cons_flag, data);      /* fence; read the flag */
#endif
		sent++
	:: else -> break
	od
}

active proctype consumer()
{
	do
	:: received < N ->
		WAIT_UNTIL(can_pop, cons_flag, data);
		assert(head - tail >= 1);   /* a message is there */
#ifdef NO_FENCE
		wake(prod_flag, space);
		tail++;
		received++
#else
		tail++;                     /* read the slot, free it */
		received++;
		wake(prod_flag, space)
#endif
	:: else -> break
	od;
	assert(head == N && tail == N)
}
