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
/* Switch to t, which is neither current nor queued. */
void sched_switch_to(struct thread *t);
/* The current thread stops being runnable (its state already says why). */
void sched_block(void);
/* t became runnable: run it now if it outranks current, else queue it. */
void sched_wake(struct thread *t);
/* Let an equal-priority thread run (SYS_YIELD and the tick). */
void sched_yield(void);
/* Deadlock detector: is any thread runnable? */
bool sched_any_runnable(void);

#endif
