#include "sched.h"

struct thread *current;
struct thread idle_thread;

/* One queue per priority and a bitmap of the non-empty ones. */
static struct tqueue runq[PRIO_MAX + 1];
uint64_t runq_bitmap[RUNQ_WORDS];
uint64_t runq_words;   /* bit w: runq_bitmap[w] is not zero */

void tq_push(struct tqueue *q, struct thread *t)
{
	t->next = NULL;
	t->prev = q->tail;
	if (q->tail)
		q->tail->next = t;
	else
		q->head = t;
	q->tail = t;
}

void tq_push_head(struct tqueue *q, struct thread *t)
{
	t->prev = NULL;
	t->next = q->head;
	if (q->head)
		q->head->prev = t;
	else
		q->tail = t;
	q->head = t;
}

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

struct thread *tq_pop(struct tqueue *q)
{
	struct thread *t = q->head;
	if (t)
		tq_remove(q, t);
	return t;
}

static void mark_ready(unsigned prio)
{
	runq_bitmap[prio / 64] |= 1ull << (prio % 64);
	runq_words |= 1ull << (prio / 64);
}

void runq_add(struct thread *t)
{
	tq_push(&runq[t->prio], t);
	mark_ready(t->prio);
}

void runq_add_head(struct thread *t)
{
	tq_push_head(&runq[t->prio], t);
	mark_ready(t->prio);
}

void runq_remove(struct thread *t)
{
	tq_remove(&runq[t->prio], t);
	if (tq_empty(&runq[t->prio])) {
		runq_bitmap[t->prio / 64] &= ~(1ull << (t->prio % 64));
		if (!runq_bitmap[t->prio / 64])
			runq_words &= ~(1ull << (t->prio / 64));
	}
}

struct thread *runq_peek(void)
{
	int p = runq_top_prio();
	return p < 0 ? NULL : runq[p].head;
}

bool runq_contains(const struct thread *t)
{
	for (const struct thread *q = runq[t->prio].head; q; q = q->next)
		if (q == t)
			return true;
	return false;
}

void sched_init(void)
{
	memset(runq, 0, sizeof runq);
	memset(runq_bitmap, 0, sizeof runq_bitmap);
	runq_words = 0;
}

void sched_switch_to(struct thread *t)
{
	struct thread *prev = current;
	if (t == prev)
		return;
	sched_switch_direct(prev, t);
}

/* The thread to run next when the current one gives up the CPU. */
static struct thread *pick_next(void)
{
	struct thread *t = runq_peek();
	if (!t)
		return &idle_thread;
	runq_remove(t);
	return t;
}

void sched_block(void)
{
	sched_switch_to(pick_next());
}

void sched_wake(struct thread *t)
{
	thread_unblock(t);
	if (current == &idle_thread) {
		sched_switch_to(t);
	} else if (t->prio > current->prio && current->state == TS_RUNNABLE) {
		runq_add_head(current);
		sched_switch_to(t);
	} else {
		/* Lower, or the current thread is itself blocking or ending
		 * (an exiting task signals its end notification): queue t; the
		 * current thread gives up the CPU next and the best one runs. */
		runq_add(t);
	}
}

void sched_preempt(void)
{
	if (runq_top_prio() > (int)current->prio) {
		runq_add_head(current);
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
	if (current == &idle_thread) {
		struct thread *t = runq_peek();
		if (t) {
			runq_remove(t);
			sched_switch_to(t);
		}
		return;
	}
	if (runq_top_prio() >= current->prio) {
		runq_add(current);
		sched_switch_to(pick_next());
	}
}

bool sched_any_runnable(void)
{
	return runq_top_prio() >= 0;
}
