/*
 * The scheduler: fixed priorities 0..PRIO_MAX, preemptive, round-robin
 * among equal priorities on the tick.  One CPU.
 *
 * Rules:
 * - `current` is the running thread and is on no run queue.
 * - The highest-priority runnable thread runs; a woken thread of higher
 *   priority than the current one runs at once, the current one going to
 *   the head of its queue (it keeps the rest of its turn).
 * - The idle thread runs only when nothing else can; it is never queued.
 * - A blocked thread becomes runnable in one of four ways, each with
 *   thread_unblock() first: sched_wake (the rule above), sched_handoff
 *   (the current thread has just blocked: the woken one runs now unless a
 *   ready thread outranks it, the direct hand-off of a call or a reply),
 *   sched_ready (queued, no switch: for wakes in the middle of an
 *   operation, such as an object releasing all its waiters, or a server's
 *   caller while the server takes its next message) and sched_wake_failed
 *   (sched_ready with an error in its x0: its wait cannot complete).
 * - An operation that used sched_ready and goes on running the current
 *   thread ends with sched_preempt(), so that a woken thread that
 *   outranks the current one runs before the current thread returns to
 *   its task (the rule above, kept once the operation is whole).  The
 *   fast paths never queue a thread and need no such check.
 */
#ifndef SCHED_H
#define SCHED_H

#include "thread.h"

extern struct thread *current;
extern struct thread idle_thread;

/* Run queues, kept apart from switching so that host tests can check them. */
void runq_add(struct thread *t);        /* tail of its priority */
void runq_add_head(struct thread *t);
void runq_remove(struct thread *t);
struct thread *runq_peek(void);         /* highest priority, NULL when empty */

/* The bitmap of non-empty queues, and of its non-zero words. */
#define RUNQ_WORDS ((PRIO_MAX + 1) / 64)
extern uint64_t runq_bitmap[RUNQ_WORDS];
extern uint64_t runq_words;

/* The highest priority with a ready thread, -1 when none: two
 * count-leading-zeros, no loop (the IPC fast paths ask it). */
static inline int runq_top_prio(void)
{
	if (!runq_words)
		return -1;
	int w = 63 - __builtin_clzll(runq_words);
	return w * 64 + 63 - __builtin_clzll(runq_bitmap[w]);
}
bool runq_contains(const struct thread *t);

void sched_init(void);
/* Switch from the current thread `from` to t, which is neither current nor
 * queued (the fast paths' switch, no check). */
static inline void sched_switch_direct(struct thread *from, struct thread *t)
{
	current = t;
	arch_switch(from, t);
}
/* Switch to t, which is neither current nor queued (nothing when it is current). */
void sched_switch_to(struct thread *t);
/* The current thread stops being runnable (its state already says why). */
void sched_block(void);
/* t stopped waiting: run it now if it outranks current, else queue it. */
void sched_wake(struct thread *t);
/* t stopped waiting: queue it, do not switch. */
static inline void sched_ready(struct thread *t)
{
	thread_unblock(t);
	runq_add(t);
}
/* The current thread has just blocked and t stopped waiting: run t now if
 * no ready thread outranks it, else queue it and run the best. */
static inline void sched_handoff(struct thread *t)
{
	thread_unblock(t);
	if ((int)t->prio >= runq_top_prio()) {
		sched_switch_to(t);
	} else {
		runq_add(t);
		sched_block();
	}
}
/* The end of an operation that queued threads with sched_ready and did
 * not block: if a ready thread outranks the current one, the current one
 * goes to the head of its queue (keeping the rest of its turn) and the
 * best runs. */
void sched_preempt(void);
/* t's wait cannot complete: it wakes with `err` in x0 (sched_ready). */
void sched_wake_failed(struct thread *t, int err);
/* Let an equal-priority thread run (SYS_YIELD and the tick). */
void sched_yield(void);
/* Deadlock detector: is any thread runnable? */
bool sched_any_runnable(void);

#endif
