/*
 * The scheduler: fixed priorities 0..PRIO_MAX, preemptive, round-robin
 * among equal priorities on the tick, on each CPU apart.
 *
 * CPUs.  Every thread has a CPU (thread->cpu, its affinity: the CPU of
 * the thread that created it, or the one SYS_SET_CPU gave it) and runs
 * only there; each CPU has its own run queues, its own idle thread and
 * its own tick.  No thread changes CPU unless SYS_SET_CPU asks it.
 *
 * Locking: one big kernel lock (klock.h).  Everything below, every run
 * queue included, is read and written only with it held.
 *
 * Rules (each CPU):
 * - `current` is the thread running on this CPU (cpu->curr, and
 *   TPIDR_EL1) and is on no run queue.
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
 * - Across CPUs: a thread woken for another CPU goes on that CPU's run
 *   queue, and if it outranks what that CPU runs (or that CPU idles) the
 *   CPU is sent a reschedule interrupt (SGI_RESCHED), whose handler
 *   applies the rule above there.  The hand-off of a call or a reply to
 *   a thread of another CPU is such a wake; the current thread then
 *   blocks and this CPU runs its best.  A thread ended by another CPU
 *   while it runs here (a stop, a sibling's fault) is sent the same
 *   interrupt: this CPU leaves it at its next kernel entry, whatever the
 *   entry (sched_leave_ended), and no syscall of it runs.
 * - The idle thread of a CPU waits (wfi) with the lock released; the
 *   machine is deadlocked when every CPU idles with every run queue
 *   empty (main.c reports it).
 */
#ifndef SCHED_H
#define SCHED_H

#include "thread.h"

#define CPUS_MAX 4
#define RUNQ_WORDS ((PRIO_MAX + 1) / 64)

struct cpu {
	struct thread *curr;             /* running here (the idle thread when nothing else) */
	/* One queue per priority, a bitmap of the non-empty ones, and of its
	 * non-zero words. */
	uint64_t runq_words;
	uint64_t runq_bitmap[RUNQ_WORDS];
	struct tqueue runq[PRIO_MAX + 1];
	unsigned id;                     /* 0 .. ncpus - 1 */
	uint32_t gic_target;             /* its GIC CPU interface bit (SGI target) */
	bool online;
	bool waiting;                    /* its idle thread waits for an interrupt */
	bool tick_off;                   /* its idle thread stopped its tick */
	struct thread idle;
};

extern struct cpu cpus[CPUS_MAX];
extern unsigned ncpus;               /* CPUs started (from the device tree) */

/* The running thread of this CPU: TPIDR_EL1, which arch_switch sets.  In a
 * thread's own code it names that thread before and after any switch, so
 * the compiler may keep it in a register. */
#define current (arch_current())
static inline struct cpu *this_cpu(void) { return current->cpu; }
static inline bool is_idle(const struct thread *t) { return t == &t->cpu->idle; }
/* t is running on a CPU at this instant (possibly this one). */
static inline bool thread_on_cpu(const struct thread *t) { return t->cpu && t->cpu->curr == t; }

/* Run queues (of the thread's own CPU), kept apart from switching so that
 * host tests can check them. */
void runq_add(struct thread *t);        /* tail of its priority */
void runq_add_head(struct thread *t);
void runq_remove(struct thread *t);
struct thread *runq_peek(void);         /* this CPU's best, NULL when empty */

/* The highest priority with a ready thread on c, -1 when none: two
 * count-leading-zeros, no loop (the IPC fast paths ask it). */
static inline int runq_top_prio_of(const struct cpu *c)
{
	if (!c->runq_words)
		return -1;
	int w = 63 - __builtin_clzll(c->runq_words);
	return w * 64 + 63 - __builtin_clzll(c->runq_bitmap[w]);
}
static inline int runq_top_prio(void) { return runq_top_prio_of(this_cpu()); }
bool runq_contains(const struct thread *t);

void sched_init(void);
/* Switch from the current thread `from` to t, which is neither current nor
 * queued and belongs to this CPU (the fast paths' switch, no check). */
static inline void sched_switch_direct(struct thread *from, struct thread *t)
{
	from->cpu->curr = t;
	arch_switch(from, t);
}
/* The same as the last thing a syscall handler does: its value is the
 * status of the current thread once it runs again (its ret[0]), so that a
 * handler's `return sched_switch_direct_ret(...)` is a tail call. */
static inline uint64_t sched_switch_direct_ret(struct thread *from, struct thread *t)
{
	from->cpu->curr = t;
	return arch_switch_ret(from, t);
}
/* The same through arch_switch_fast: a1..a5 are passed as they are and
 * ignored (the fast paths give their own arguments, already in x1..x5). */
static inline uint64_t sched_switch_fast(struct thread *from, uint64_t a1, uint64_t a2,
                                         uint64_t a3, uint64_t a4, uint64_t a5, struct thread *t)
{
	from->cpu->curr = t;
	return arch_switch_fast(from, a1, a2, a3, a4, a5, t);
}
/* Switch to t, which is neither current nor queued (nothing when it is current). */
void sched_switch_to(struct thread *t);
/* The current thread stops being runnable (its state already says why). */
void sched_block(void);
/* The thread to run when the current one blocks, taken off its queue (the
 * idle thread when none); never the current thread, which is blocked. */
struct thread *sched_next(void);
/* sched_block as the last thing a syscall handler does: its value is the
 * current thread's status once it runs again (ret[0], which its waker set),
 * so that `return sched_block_ret();` is a tail call. */
static inline uint64_t sched_block_ret(void)
{
	struct thread *self = current;
	return sched_switch_direct_ret(self, sched_next());
}
/* t stopped waiting: run it now if it outranks current, else queue it
 * (on its CPU, with a reschedule interrupt when it outranks what runs there). */
void sched_wake(struct thread *t);
/* Queue a runnable t on its CPU: no switch here; another CPU is sent a
 * reschedule interrupt when t outranks what it runs. */
void sched_enqueue(struct thread *t);
/* t stopped waiting: queue it, do not switch. */
static inline void sched_ready(struct thread *t)
{
	thread_unblock(t);
	sched_enqueue(t);
}
/* The current thread has just blocked and t stopped waiting: run t now if
 * it is of this CPU and no ready thread outranks it, else queue it and
 * run the best. */
static inline void sched_handoff(struct thread *t)
{
	thread_unblock(t);
	if (t->cpu == current->cpu && (int)t->prio >= runq_top_prio()) {
		sched_switch_to(t);
	} else {
		sched_enqueue(t);
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
/* t, which runs on another CPU, has just ended (thread_stop): send that
 * CPU the reschedule interrupt and wait, lock held, until it waits for
 * the lock at an entry from EL0; it leaves t there. */
void sched_kick(struct thread *t);
/* The current thread was ended by another CPU: leave it for good (the
 * task's deferred teardown finishes here, task_leave_cpu). */
_Noreturn void sched_leave_ended(void);
/* Deadlock detector: is any thread runnable, on any CPU, or is another
 * CPU not in its idle wait (running a thread, or yet to look)? */
bool sched_any_runnable(void);
/* Move t, not running on another CPU, to CPU c (SYS_SET_CPU). */
void sched_set_cpu(struct thread *t, struct cpu *c);

#endif
