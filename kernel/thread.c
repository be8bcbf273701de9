#include "thread.h"
#include "ep.h"
#include "ntfn.h"
#include "sched.h"
#include "task.h"

#define MAX_THREADS 48

struct thread thread_pool[MAX_THREADS];
const unsigned thread_pool_size = MAX_THREADS;
static uint8_t kstacks[MAX_THREADS][THREAD_KSTACK_PAGES * PAGE_SIZE]
	__attribute__((aligned(PAGE_SIZE)));

struct thread *thread_alloc(struct task *task, unsigned prio)
{
	for (unsigned i = 0; i < MAX_THREADS; i++) {
		struct thread *t = &thread_pool[i];
		/* An ended thread may still be the current one of its CPU
		 * until that CPU leaves it (thread.h). */
		if (t->used || thread_on_cpu(t))
			continue;
		memset(t, 0, sizeof *t);
		t->cpu = current->cpu;
		t->used = true;
		t->task = task;
		t->prio = (uint8_t)prio;
		t->state = TS_INACTIVE;
		t->kstack = (uint64_t)(uintptr_t)kstacks[i] + sizeof kstacks[i];
		return t;
	}
	return NULL;
}

/* Nothing names it any more and it has ended: the object goes, and its
 * task may go with it.  Idempotent: a task's teardown (which deletes the
 * capabilities in its cspace) may free the very thread whose end caused
 * it, before thread_stop() gets there; nothing is allocated in between,
 * so `used` still tells. */
static void thread_free(struct thread *t)
{
	if (!t->used)
		return;
	KASSERT(thread_ended(t) && t->refs == 0);
	t->used = false;
	task_forget_thread(t->task, t);
}

void thread_stop(struct thread *t, unsigned state, int64_t code)
{
	switch (t->state) {
	case TS_RUNNABLE:
		if (!thread_on_cpu(t))
			runq_remove(t);
		else if (t != current)
			sched_kick(t);   /* running on another CPU: it leaves it there */
		break;
	case TS_BLOCKED:
		if (t->blocked_on == BLK_NTFN)
			ntfn_cancel(t);
		else if (t->blocked_on == BLK_SEND || t->blocked_on == BLK_RECV)
			ep_cancel(t);
		else if (t->blocked_on == BLK_REPLY)
			((struct thread *)t->wait_obj)->caller = NULL;
		break;
	default:
		break;
	}
	ep_abandon_caller(t);
	t->state = (uint8_t)state;
	t->blocked_on = BLK_NONE;
	t->wait_obj = NULL;
	t->code = code;
	task_thread_ended(t->task, state, code);
	if (t->used && t->refs == 0)
		thread_free(t);
}

_Noreturn void thread_exit(int64_t code)
{
	thread_stop(current, TS_EXITED, code);
	sched_block();
	panic("an exited thread ran again");   /* sched_block never returns to it */
}

void thread_release(struct thread *t)
{
	struct task *task = t->task;
	if (t->state == TS_INACTIVE) {
		/* Nobody can start it now.  If nothing outside its task can
		 * reach the task any more, the whole task ends (this thread
		 * among its unstarted ones); else this thread ends alone. */
		if (!task_check_orphan(task))
			thread_stop(t, TS_EXITED, 0);
	} else if (thread_ended(t)) {
		/* This capability may have been the last way to reach an
		 * unstarted sibling: ask while this thread still pins its task. */
		task_check_orphan(task);
		thread_free(t);
	}
	/* A live thread without capabilities runs on; freed when it ends. */
}
