#include "sched.h"
#include "klock.h"
#include "task.h"

struct cpu cpus[CPUS_MAX];
unsigned ncpus = 1;

void tq_remove(struct tqueue *q, struct thread *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		q->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		q->tail = t->prev;
	t->next = t->prev = NULL;
}

static void mark_ready(struct cpu *c, unsigned prio)
{
	c->runq_bitmap[prio / 64] |= 1ull << (prio % 64);
	c->runq_words |= 1ull << (prio / 64);
}

void runq_add(struct thread *t)
{
	tq_push(&t->cpu->runq[t->prio], t);
	mark_ready(t->cpu, t->prio);
}

/* Inline in sched_wake: a signal to a higher-priority waiter queues the
 * signaller with it. */
static inline void add_head(struct thread *t)
{
	struct tqueue *q = &t->cpu->runq[t->prio];
	t->prev = NULL;
	t->next = q->head;
	if (q->head)
		q->head->prev = t;
	else
		q->tail = t;
	q->head = t;
	mark_ready(t->cpu, t->prio);
}

/* The kernel's one call (sched_preempt) is inlined: this copy, and the
 * add_head lines only it has, serve the host unit test (test_sched.c). */
void runq_add_head(struct thread *t) { add_head(t); }

void runq_remove(struct thread *t)
{
	struct cpu *c = t->cpu;
	tq_remove(&c->runq[t->prio], t);
	if (tq_empty(&c->runq[t->prio])) {
		c->runq_bitmap[t->prio / 64] &= ~(1ull << (t->prio % 64));
		if (!c->runq_bitmap[t->prio / 64])
			c->runq_words &= ~(1ull << (t->prio / 64));
	}
}

static struct thread *runq_peek_of(struct cpu *c)
{
	int p = runq_top_prio_of(c);
	return p < 0 ? NULL : c->runq[p].head;
}

struct thread *runq_peek(void) { return runq_peek_of(this_cpu()); }

/* Asked by the self-check, which fails (never, in a passing suite) when
 * it says false. */
bool runq_contains(const struct thread *t)
{
	for (const struct thread *q = t->cpu->runq[t->prio].head; q; q = q->next)
		if (q == t)
			return true;
	return false;
}

void sched_init(void)
{
	memset(cpus, 0, sizeof cpus);
	for (unsigned i = 0; i < CPUS_MAX; i++) {
		struct cpu *c = &cpus[i];
		c->id = i;
		c->idle.used = true;
		c->idle.state = TS_RUNNABLE;
		c->idle.cpu = c;
		c->curr = &c->idle;
	}
}

void sched_switch_to(struct thread *t)
{
	struct thread *prev = current;
	if (t == prev)   /* never: no caller picks the thread that runs (here or inlined in sched_wake) */
		return;
	sched_switch_direct(prev, t);
}

/* The thread to run next when the current one gives up the CPU. */
static struct thread *pick_next(void)
{
	struct cpu *c = this_cpu();
	struct thread *t = runq_peek_of(c);
	if (!t)
		return &c->idle;
	runq_remove(t);
	return t;
}

void sched_block(void)
{
	sched_switch_to(pick_next());
}

struct thread *sched_next(void) { return pick_next(); }

/* Another CPU must look at its run queues again: t, just queued there,
 * outranks what it runs.  Under the lock that CPU cannot be in the kernel
 * but at its entry or in its idle wait; the interrupt reaches it in
 * either. */
static void kick_for(struct thread *t)
{
	struct cpu *c = t->cpu;
	if (is_idle(c->curr) || t->prio > c->curr->prio) {
		plat_send_sgi(c->gic_target, SGI_RESCHED);
		/* In exact mode the vCPUs run round robin: without this hint
		 * that CPU would see its interrupt only at the end of this
		 * one's slice. */
		arch_yield_hint();
	}
}

void sched_enqueue(struct thread *t)
{
	runq_add(t);
	if (t->cpu != current->cpu)
		kick_for(t);
}

void sched_wake(struct thread *t)
{
	thread_unblock(t);
	struct thread *cur = current;
	if (t->cpu != cur->cpu) {
		sched_enqueue(t);
	} else if (is_idle(cur)) {
		sched_switch_to(t);
	} else if (t->prio > cur->prio && cur->state == TS_RUNNABLE) {
		add_head(cur);
		sched_switch_direct(cur, t);   /* t is not cur: it was blocked */
	} else {
		/* Lower, or the current thread is itself blocking or ending
		 * (an exiting task signals its end notification): queue t; the
		 * current thread gives up the CPU next and the best one runs. */
		runq_add(t);
	}
}

void sched_preempt(void)
{
	struct thread *cur = current;
	if (runq_top_prio() > (int)cur->prio && !is_idle(cur)) {
		runq_add_head(cur);
		sched_switch_to(pick_next());
	}
}

void sched_wake_failed(struct thread *t, int err)
{
	t->ret[0] = (uint64_t)(int64_t)err;
	sched_ready(t);
}

void sched_yield(void)
{
	struct thread *cur = current;
	if (is_idle(cur)) {   /* never: an idle thread makes no syscall, and its ticks return before this */
		struct thread *t = runq_peek();
		if (t) {
			runq_remove(t);
			sched_switch_to(t);
		}
		return;
	}
	if (runq_top_prio() >= cur->prio) {
		runq_add(cur);
		sched_switch_to(pick_next());
	}
}

void sched_kick(struct thread *t)
{
	plat_send_sgi(t->cpu->gic_target, SGI_RESCHED);
	/* Keep the lock until t's CPU waits for it at an entry from EL0
	 * (whichever: the interrupt, a syscall, a fault): from there it
	 * leaves t without running any of t's syscalls (vectors.S, KLOCK).
	 * Until then it may be about to enter through the uncontended path,
	 * which checks nothing. */
	while (!t->at_entry)
		arch_wfe();
}

_Noreturn void sched_leave_ended(void)
{
	struct thread *t = current;
	KASSERT(thread_ended(t));
	/* Off this CPU before anything else can reuse it: the switch below
	 * happens under the lock, so nobody frees or reallocates t, its task
	 * or its address space until this CPU runs another thread. */
	task_leave_cpu(t->task, t);
	sched_block();
	panic("an ended thread ran again");   /* sched_block never returns to it */
}

bool sched_any_runnable(void)
{
	struct thread *cur = current;
	for (unsigned i = 0; i < ncpus; i++) {
		struct cpu *c = &cpus[i];
		if (runq_top_prio_of(c) >= 0)
			return true;
		/* Another CPU that is not in its idle wait runs a thread, or
		 * boots, or is about to look at its queues: it may yet wake
		 * someone, and it looks again before it waits. */
		if (c != cur->cpu && !c->waiting)
			return true;
	}
	return false;   /* a deadlock: it ends the boot (main.c), never in a passing suite */
}

void sched_set_cpu(struct thread *t, struct cpu *c)
{
	struct cpu *old = t->cpu;
	if (old == c)
		return;
	if (t == current) {
		/* The caller moves: its old CPU runs its best, the caller is
		 * queued on the new one.  The new CPU cannot take it before
		 * arch_switch has saved it: that needs the lock, which this
		 * CPU holds until the thread it switches to leaves the kernel. */
		struct thread *next = runq_peek_of(old);
		if (next)
			runq_remove(next);
		else
			next = &old->idle;
		t->cpu = c;
		runq_add(t);
		kick_for(t);
		old->curr = next;
		arch_switch(t, next);
		return;
	}
	bool queued = t->state == TS_RUNNABLE;
	if (queued)
		runq_remove(t);
	t->cpu = c;
	if (queued)
		sched_enqueue(t);
}
