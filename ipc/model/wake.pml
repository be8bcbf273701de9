/*
 * wake.pml: the wake-up protocols of ipc/ring.c, both directions at once
 * (consumer sleeping on an empty ring, producer on a full one), checked
 * exhaustively by spin.  One protocol per run:
 *   -DANNOUNCE    (default) announce-then-sleep
 *   -DTRANSITION  signal only on the empty->non-empty (full->non-full) edge
 *   -DEVERY       signal on every publication
 *
 * Claim: nobody sleeps for ever while the other side could let it go on.
 * spin reports an "invalid end state" when a process is blocked in wait()
 * at the end: that is exactly a lost wake-up (or a deadlock).  The final
 * assertion checks that every message arrived.
 *
 * What is modelled (ring.h ring__prod_notify/ring__cons_notify, ring.c
 * wait_ready):
 *   ANNOUNCE publisher: publish; fence; if the sleeper's flag is set, take it
 *              (atomic exchange) and signal
 *   ANNOUNCE waiter: if ready, go on; else set the flag; fence; re-check: if
 *              ready, clear the flag and go on; else wait; clear the flag
 *   TRANSITION publisher: publish; fence; read the other index; signal if
 *              the ring was empty (full) just before this publication
 *   TRANSITION / EVERY waiter: fence; if not ready, wait
 *   notification: a pending bit; signal sets it; wait blocks until it is
 *              set, then clears it (ipclab notification, futex word, eventfd)
 * Promela statements are sequentially consistent; that is what the seq_cst
 * fences give the real code (README: memory ordering).  A waiter that
 * returns after a wake re-checks from the top, as ring_push_wait does.
 *
 * -DBATCH (with TRANSITION): the producer publishes two messages per commit,
 * visible one at a time (the STAMPED ring's commit_n), then decides once:
 * signal if the consumer's index is inside the batch.
 *
 * Broken variants that spin must refute (model/check.sh requires an error
 * in each, which shows the check can fail):
 *   -DSKIP_RECHECK  ANNOUNCE: the waiter sleeps right after setting its flag
 *   -DFIRST_ONLY    TRANSITION with -DBATCH: signal only if the consumer's index
 *                   is the batch's first (the bug the TSan stress run found)
 *   -DNO_FENCE      the publisher has no fence between publishing and reading
 *                   the flag / the other index, so (as a store buffer allows)
 *                   its read takes effect before its publication
 */

#ifndef N
#define N 4        /* messages */
#endif
#ifndef CAP
#define CAP 2      /* ring capacity */
#endif
#if !defined(TRANSITION) && !defined(EVERY) && !defined(ANNOUNCE)
#define ANNOUNCE
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

/* Block until the notification is pending, then clear it. */
inline ntfn_wait(ntfn)
{
	atomic { ntfn == 1 -> ntfn = 0 }
}

/* A publisher reads the other side's state (READ_*) and decides whether to
 * signal (DECIDE_*).  With the fence the read comes after the publication;
 * with -DNO_FENCE before it. */
#ifdef ANNOUNCE
#define READ_DATA(x)    x = cons_flag
#define DECIDE_DATA(x)  if :: x -> atomic { if :: cons_flag -> cons_flag = 0; data = 1 :: else -> skip fi } :: else -> skip fi
#define READ_SPACE(x)   x = prod_flag
#define DECIDE_SPACE(x) if :: x -> atomic { if :: prod_flag -> prod_flag = 0; space = 1 :: else -> skip fi } :: else -> skip fi
#ifdef SKIP_RECHECK
#define RECHECK(ready, flag) skip
#else
#define RECHECK(ready, flag) if :: ready -> flag = 0; goto again :: else -> skip fi
#endif
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
#else
#ifdef TRANSITION
/* The ring was empty before message head-1 was published iff the
 * consumer's index was still at it; full before slot tail-1 was freed iff
 * the producer's index was a full ring ahead of it. */
#define READ_DATA(x)    x = tail
#ifdef FIRST_ONLY
#define DECIDE_DATA(x)  if :: x == head - k -> data = 1 :: else -> skip fi
#else
#define DECIDE_DATA(x)  if :: x - (head - k) < k && x - (head - k) >= 0 -> data = 1 :: else -> skip fi
#endif
#define READ_SPACE(x)   x = head
#define DECIDE_SPACE(x) if :: x - (tail - 1) == CAP -> space = 1 :: else -> skip fi
#else
#define READ_DATA(x)    skip
#define DECIDE_DATA(x)  data = 1
#define READ_SPACE(x)   skip
#define DECIDE_SPACE(x) space = 1
#endif
#define WAIT_UNTIL(ready, flag, ntfn)                                   \
again:                                                                 \
	if                                                             \
	:: ready -> skip                                               \
	:: else -> ntfn_wait(ntfn); goto again                         \
	fi
#endif

active proctype producer()
{
	byte sent = 0;
	byte seen;
	byte k = 1;   /* messages in this commit */
	do
	:: sent < N ->
		WAIT_UNTIL(can_push, prod_flag, space);
#ifdef NO_FENCE
		READ_DATA(seen);            /* the read overtakes the store */
		head++;
#else
		head++;                     /* write the slot, publish */
#ifdef BATCH
		/* a batch of two when two slots are free (reserve_n gives what
		 * there is): the second stamp becomes visible after the first */
		if
		:: head - tail < CAP && sent + 2 <= N -> head++; sent++; k = 2
		:: else -> k = 1
		fi;
#endif
		READ_DATA(seen);            /* fence; read the flag / the tail */
#endif
		DECIDE_DATA(seen);
		sent++
	:: else -> break
	od
}

active proctype consumer()
{
	byte seen;
	do
	:: received < N ->
		WAIT_UNTIL(can_pop, cons_flag, data);
		assert(head - tail >= 1);   /* a message is there */
#ifdef NO_FENCE
		READ_SPACE(seen);
		tail++;
#else
		tail++;                     /* read the slot, free it */
		READ_SPACE(seen);
#endif
		DECIDE_SPACE(seen);
		received++
	:: else -> break
	od;
	assert(head == N && tail == N)
}
