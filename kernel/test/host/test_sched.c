/*
 * sched.c: the thread queues (tq_*), the run queues (priority order, FIFO
 * within a priority, add_head, remove, the bitmap and top priority
 * including 0 and 255, runq_contains), and the switching decisions of
 * sched_wake/sched_yield/sched_block and of the other wake-ups (handoff,
 * ready, wake_failed), with a stub arch_switch that records each switch.
 */
#include <string.h>
#include "check.h"
#include "sched.h"
#include "stubs.h"

/* One CPU's view: the kernel's `current` is TPIDR_EL1, here a variable
 * that the stub arch_switch sets; CPU 0's idle thread. */
struct thread *host_current;
#undef current
#define current host_current
#define idle_thread (cpus[0].idle)

static struct { struct thread *from, *to; } sw[64];
static unsigned nsw;

void arch_switch(struct thread *from, struct thread *to)
{
	if (nsw < 64) {
		sw[nsw].from = from;
		sw[nsw].to = to;
	}
	nsw++;
	host_current = to;
}

/* What sched.c asks of the rest of the kernel. */
unsigned sgi_sent;
void plat_send_sgi(uint32_t targets, unsigned sgi) { (void)targets, (void)sgi; sgi_sent++; }
void task_leave_cpu(struct task *t, struct thread *th) { (void)t, (void)th; }

#define NT 16
static struct thread th[NT];

static void reset(void)
{
	memset(th, 0, sizeof th);
	sched_init();
	ncpus = 2;
	cpus[1].waiting = true;   /* CPU 1 idles in its wait unless a test says otherwise */
	current = &idle_thread;
	nsw = 0;
	sgi_sent = 0;
}

static struct thread *mk(int i, unsigned prio)
{
	th[i].prio = (uint8_t)prio;
	th[i].cpu = &cpus[0];
	th[i].used = true;
	th[i].state = TS_RUNNABLE;
	return &th[i];
}

static void test_tqueue(void)
{
	reset();
	struct tqueue q = { 0 };
	CHECK(tq_empty(&q));
	CHECK(tq_pop(&q) == NULL);
	tq_push(&q, &th[2]);
	tq_push(&q, &th[0]);
	tq_push(&q, &th[1]);        /* 2 0 1 */
	CHECK(q.head == &th[2] && q.tail == &th[1]);
	CHECK(th[2].prev == NULL && th[2].next == &th[0]);
	CHECK(th[0].prev == &th[2] && th[0].next == &th[1]);
	CHECK(th[1].prev == &th[0] && th[1].next == NULL);
	tq_remove(&q, &th[0]);      /* the middle: 2 1 */
	CHECK(th[0].next == NULL && th[0].prev == NULL);
	CHECK(th[2].next == &th[1] && th[1].prev == &th[2]);
	tq_remove(&q, &th[1]);      /* the tail: 2 */
	CHECK(q.head == &th[2] && q.tail == &th[2]);
	CHECK(th[2].next == NULL);
	tq_push(&q, &th[3]);
	CHECK(tq_pop(&q) == &th[2]);
	CHECK(q.head == &th[3] && q.tail == &th[3] && th[3].prev == NULL);
	CHECK(tq_pop(&q) == &th[3]);
	CHECK(tq_empty(&q) && q.tail == NULL);
}

static void test_runq_order(void)
{
	reset();
	CHECK_EQ(runq_top_prio(), -1);
	CHECK(runq_peek() == NULL);
	CHECK(!sched_any_runnable());
	runq_add(mk(0, 10));
	runq_add(mk(1, 200));
	runq_add(mk(2, 10));
	runq_add(mk(3, 63));
	runq_add(mk(4, 64));
	CHECK(sched_any_runnable());
	CHECK_EQ(runq_top_prio(), 200);
	CHECK(runq_peek() == &th[1]);
	runq_remove(&th[1]);
	CHECK(!runq_contains(&th[1]));
	CHECK_EQ(runq_top_prio(), 64);   /* the word boundary 63/64 */
	runq_remove(&th[4]);
	CHECK_EQ(runq_top_prio(), 63);
	runq_remove(&th[3]);
	CHECK_EQ(runq_top_prio(), 10);
	CHECK(runq_peek() == &th[0]);    /* FIFO within a priority */
	runq_remove(&th[0]);
	CHECK_EQ(runq_top_prio(), 10);   /* 2 still there: the bit stays */
	CHECK(runq_peek() == &th[2]);
	runq_remove(&th[2]);
	CHECK_EQ(runq_top_prio(), -1);
	CHECK(!sched_any_runnable());
}

static void test_runq_extremes_and_head(void)
{
	reset();
	runq_add(mk(0, 0));
	CHECK_EQ(runq_top_prio(), 0);
	CHECK(runq_peek() == &th[0]);
	runq_add(mk(1, PRIO_MAX));
	CHECK_EQ(runq_top_prio(), PRIO_MAX);
	CHECK(runq_peek() == &th[1]);
	runq_remove(&th[1]);
	CHECK_EQ(runq_top_prio(), 0);
	runq_add(mk(2, 0));
	runq_add_head(mk(3, 0));         /* 3 0 2 */
	CHECK(runq_contains(&th[0]) && runq_contains(&th[2]) && runq_contains(&th[3]));
	CHECK(!runq_contains(mk(4, 0)));
	CHECK(runq_peek() == &th[3]);
	runq_remove(&th[3]);
	CHECK(runq_peek() == &th[0]);
	runq_remove(&th[0]);
	CHECK(runq_peek() == &th[2]);
	runq_remove(&th[2]);
	CHECK_EQ(runq_top_prio(), -1);
	/* Every priority at once: peek walks down through all of them. */
	for (unsigned p = 0; p <= PRIO_MAX; p += 17)
		runq_add(mk((int)(p / 17), p));
	for (int p = (PRIO_MAX / 17) * 17; p >= 0; p -= 17) {
		CHECK_EQ(runq_top_prio(), p);
		struct thread *t = runq_peek();
		CHECK(t && t->prio == p);
		if (t)
			runq_remove(t);
	}
	CHECK_EQ(runq_top_prio(), -1);
}

static void test_wake_and_yield(void)
{
	reset();
	struct thread *lo = mk(0, 10), *hi = mk(1, 50), *eq = mk(2, 10), *lo2 = mk(3, 5);
	/* From idle, a woken thread runs at once. */
	lo->state = TS_BLOCKED;
	sched_wake(lo);
	CHECK(current == lo && nsw == 1 && sw[0].from == &idle_thread && sw[0].to == lo);
	CHECK_EQ(lo->state, TS_RUNNABLE);
	/* A higher one preempts, the preempted one goes to the head of its queue. */
	runq_add(eq);
	hi->state = TS_BLOCKED;
	sched_wake(hi);
	CHECK(current == hi && nsw == 2 && sw[1].from == lo && sw[1].to == hi);
	CHECK(runq_peek() == lo);        /* ahead of eq, which was queued first */
	/* A lower or equal one is queued, no switch. */
	lo2->state = TS_BLOCKED;
	sched_wake(lo2);
	CHECK(current == hi && nsw == 2 && runq_contains(lo2));
	/* Yield with nothing of equal priority: no switch. */
	sched_yield();
	CHECK(current == hi && nsw == 2);
	/* Block: the best queued runs (lo, then eq round robin on yield). */
	hi->state = TS_BLOCKED;
	sched_block();
	CHECK(current == lo && nsw == 3);
	sched_yield();
	CHECK(current == eq && nsw == 4 && runq_contains(lo));
	sched_yield();
	CHECK(current == lo && nsw == 5 && runq_contains(eq));
	/* Block everything: down to lo2, then idle. */
	lo->state = TS_BLOCKED;
	sched_block();
	CHECK(current == eq);
	eq->state = TS_BLOCKED;
	sched_block();
	CHECK(current == lo2);
	lo2->state = TS_BLOCKED;
	sched_block();
	CHECK(current == &idle_thread);
	CHECK(!sched_any_runnable());
	/* Idle yields to whatever is queued, and stays when nothing is. */
	unsigned before = nsw;
	sched_yield();
	CHECK(current == &idle_thread && nsw == before);
	lo->state = TS_RUNNABLE;
	runq_add(lo);
	sched_yield();
	CHECK(current == lo && !runq_contains(lo));
	/* The running thread is on no run queue. */
	CHECK(!runq_contains(current));
}

/* A thread that is ending or blocking (its state already says so) may
 * wake a higher one on its way out (an exiting task signals its end
 * notification): the woken thread is queued, the ending one is never put
 * back on a run queue, and sched_block() then runs the woken one. */
static void test_wake_from_ending_thread(void)
{
	reset();
	struct thread *dying = mk(0, 10), *waiter = mk(1, 200), *other = mk(2, 50);
	dying->state = TS_BLOCKED;
	sched_wake(dying);                  /* from idle: runs */
	CHECK(current == dying);
	runq_add(other);
	unsigned before = nsw;
	dying->state = TS_EXITED;
	waiter->state = TS_BLOCKED;
	sched_wake(waiter);
	CHECK(current == dying && nsw == before);   /* no switch yet */
	CHECK(!runq_contains(dying));
	CHECK(runq_contains(waiter));
	CHECK_EQ(waiter->state, TS_RUNNABLE);
	sched_block();
	CHECK(current == waiter && sw[before].from == dying && sw[before].to == waiter);
	CHECK(!runq_contains(dying));
	CHECK(runq_peek() == other);
}

/* A blocked thread as a queue left it: blocked on something. */
static struct thread *blocked(int i, unsigned prio)
{
	struct thread *t = mk(i, prio);
	t->state = TS_BLOCKED;
	t->blocked_on = BLK_RECV;
	t->wait_obj = &th[NT - 1];
	return t;
}

static bool unblocked(const struct thread *t)
{
	return t->state == TS_RUNNABLE && t->blocked_on == BLK_NONE && t->wait_obj == NULL;
}

/* The current thread has just blocked: the hand-off runs the woken thread
 * unless a ready one outranks it (then the best runs, the woken one
 * queued); sched_ready and sched_wake_failed queue without a switch, the
 * latter with the error in x0. */
static void test_handoff_ready_failed(void)
{
	reset();
	struct thread *me = blocked(0, 50), *srv = blocked(1, 40), *hi = mk(2, 45);
	current = me;
	sched_handoff(srv);                 /* nothing ready: straight to it */
	CHECK(unblocked(srv) && current == srv && nsw == 1 && sw[0].from == me);
	CHECK(!runq_contains(srv));
	runq_add(hi);                       /* a ready thread above the next one */
	struct thread *c = blocked(3, 30);
	srv->state = TS_BLOCKED;
	sched_handoff(c);
	CHECK(unblocked(c) && runq_contains(c) && current == hi && nsw == 2);
	/* Equal priority counts as "not outranked": the hand-off goes on. */
	struct thread *eq = blocked(4, 45);
	hi->state = TS_BLOCKED;
	runq_add(mk(5, 45));
	sched_handoff(eq);
	CHECK(current == eq && nsw == 3);
	/* ready: queued, however high, no switch. */
	struct thread *top = blocked(6, 255);
	sched_ready(top);
	CHECK(unblocked(top) && runq_contains(top) && current == eq && nsw == 3);
	CHECK(runq_peek() == top);
	struct thread *f = blocked(7, 100);
	f->ret[0] = 12345;
	sched_wake_failed(f, IPC_E_STATE);
	CHECK(unblocked(f) && runq_contains(f) && current == eq && nsw == 3);
	CHECK_EQ((int64_t)f->ret[0], IPC_E_STATE);
}

/* Threads of another CPU: a wake queues them on that CPU's run queues and
 * sends it the reschedule SGI when they outrank what it runs (or it
 * idles), never switching here; a hand-off to one blocks the caller and
 * runs this CPU's best; the deadlock detector counts a CPU that is not in
 * its idle wait as alive. */
static void test_cross_cpu(void)
{
	reset();
	struct thread *here = mk(0, 50), *there = mk(1, 60), *low_there = mk(2, 10);
	there->cpu = low_there->cpu = &cpus[1];
	here->state = TS_BLOCKED;
	sched_wake(here);
	CHECK(current == here && nsw == 1);
	there->state = TS_BLOCKED;
	sched_wake(there);                  /* CPU 1 idles: queued there, kicked */
	CHECK(current == here && nsw == 1 && sgi_sent == 1);
	CHECK(runq_contains(there) && runq_top_prio_of(&cpus[1]) == 60 && runq_top_prio() == -1);
	/* CPU 1 runs `there` now: a lower thread for it needs no SGI. */
	runq_remove(there);
	cpus[1].curr = there;
	low_there->state = TS_BLOCKED;
	sched_wake(low_there);
	CHECK(sgi_sent == 1 && runq_contains(low_there) && current == here);
	/* The hand-off of a call to a thread of CPU 1: the caller blocks, this
	 * CPU runs its best (idle here), the woken one is queued there. */
	runq_remove(low_there);
	low_there->state = TS_BLOCKED;
	here->state = TS_BLOCKED;
	sched_handoff(low_there);
	CHECK(current == &idle_thread && runq_contains(low_there) && low_there->cpu == &cpus[1]);
	/* sched_preempt looks at this CPU only. */
	CHECK(!runq_contains(here));
	/* The deadlock detector: CPU 1 not in its wait counts; waiting, only
	 * its queue does. */
	runq_remove(low_there);
	cpus[1].curr = &cpus[1].idle;
	cpus[1].waiting = false;
	CHECK(sched_any_runnable());
	cpus[1].waiting = true;
	CHECK(!sched_any_runnable());
	runq_add(low_there);
	CHECK(sched_any_runnable());
}

int main(void)
{
	test_cross_cpu();
	test_wake_from_ending_thread();
	test_handoff_ready_failed();
	test_tqueue();
	test_runq_order();
	test_runq_extremes_and_head();
	test_wake_and_yield();
	return check_report("sched");
}
