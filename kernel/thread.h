/*
 * Threads.
 *
 * Rules:
 * - `ctx` is first and `ret` right after it: vectors.S reaches both by
 *   offset (frame.h), checked below.
 * - A thread is on at most one queue at a time through next/prev: the run
 *   queue of its priority when TS_RUNNABLE and not running, or the wait
 *   queue of the object in `wait_obj` when TS_BLOCKED on a notification or
 *   an endpoint.  The running thread is on no queue.
 * - A thread blocked on reply (BLK_REPLY) is on no queue: the server that
 *   received its call holds it in `caller`.
 * - Syscall results go in ret[]: ret[0] is returned in x0, ret[1..6] are
 *   loaded into x1..x6 on the way out, also when the thread was blocked and
 *   another thread delivered them.
 * - Lifetime.  A thread belongs to one task for its whole life: `task` is
 *   set at creation and never changes, and the task lists it
 *   (task->thread[index] == t) and keeps its struct while the thread's
 *   object is allocated (task.h).  A thread ends once (thread_stop:
 *   TS_EXITED, TS_FAULTED or TS_STOPPED) and never runs again; its object
 *   is freed when it has ended and no capability names it, whichever
 *   comes last (thread_free).  So a capability to a thread never names a
 *   freed object: after the thread's end, and after its task's end and the
 *   deletion of every capability to the task, it names a dead thread,
 *   whose SYS_STATUS is its final state and code and which SYS_START
 *   refuses with IPC_E_STATE.  It was chosen over revoking such
 *   capabilities: the kernel keeps no derivation tree to find them, no
 *   slot changes behind its holder's back, and the outcome stays readable
 *   as a task's does.  What it keeps is two structs (the thread and its
 *   task): the address space, stacks, IPC buffers and cspace went at the
 *   task's end.
 * - A live thread without capabilities runs on and is freed at its end.
 * - CPUs.  A thread runs on its `cpu` only (sched.h).  A thread may end
 *   while it runs on another CPU (its task stopped, or a sibling's
 *   fault): its state says so at once, and that CPU leaves it at its next
 *   kernel entry; until then its struct is not reused (thread_alloc
 *   skips a thread that is some CPU's current) and its task's page
 *   tables are kept (task_leave_cpu).
 * - Locking: every field is read and written under the kernel lock
 *   (klock.h), but `at_entry`, which the thread's own CPU sets while it
 *   waits for the lock at an entry from EL0 and clears once it has it.
 */
#ifndef THREAD_H
#define THREAD_H

#include "kernel.h"

enum block_on { BLK_NONE, BLK_NTFN, BLK_SEND, BLK_RECV, BLK_REPLY };

struct task;
struct cpu;

struct thread {
	struct context ctx;
	uint64_t ret[7];

	struct thread *next, *prev;
	struct task *task;
	uint8_t prio;
	volatile uint8_t at_entry; /* it waits for the kernel lock at an entry (sched_kick) */
	/* state and blocked_on side by side, on a 2-byte boundary: a wake-up
	 * or a block writes both with one store. */
	uint8_t state;         /* TS_* */
	uint8_t blocked_on;    /* enum block_on */
	bool used;
	bool is_call;          /* a blocked sender that waits for a reply */
	unsigned refs;         /* capabilities to it */
	unsigned index;        /* its number within its task: stack and IPC buffer place */
	void *wait_obj;
	struct cpu *cpu;       /* the CPU it runs on (sched.h) */

	/* A blocked sender's message: info, badge of its capability, words 0..3. */
	uint64_t send_info, send_badge, send_mr[MSG_REG_WORDS];
	struct thread *caller; /* the caller this thread must reply to */

	uint64_t kstack;       /* physical = kernel address of its kernel stack */
	uint64_t ipcbuf_pa;
	int64_t code;          /* exit code, or fault kind */
};

_Static_assert(offsetof(struct thread, ret) == THREAD_RET, "THREAD_RET");
_Static_assert(offsetof(struct thread, state) == THREAD_STATE, "THREAD_STATE");
_Static_assert(offsetof(struct thread, at_entry) == THREAD_AT_ENTRY, "THREAD_AT_ENTRY");

struct tqueue {
	struct thread *head, *tail;
};

static inline bool tq_empty(const struct tqueue *q) { return q->head == NULL; }
/* At the tail.  Inline: the ReplyRecv fast path queues the server with it. */
static inline void tq_push(struct tqueue *q, struct thread *t)
{
	t->next = NULL;
	t->prev = q->tail;
	if (q->tail)
		q->tail->next = t;
	else
		q->head = t;
	q->tail = t;
}
void tq_remove(struct tqueue *q, struct thread *t);
/* From the head, NULL when empty (tq_remove of the head).  Inline: a
 * signal takes its waiter with it. */
static inline struct thread *tq_pop(struct tqueue *q)
{
	struct thread *t = q->head;
	if (t) {
		q->head = t->next;
		if (t->next)
			t->next->prev = NULL;
		else
			q->tail = NULL;
		t->next = t->prev = NULL;
	}
	return t;
}

#define THREAD_KSTACK_PAGES 2

/* Ended for good: exited, faulted or stopped. */
static inline bool thread_ended(const struct thread *t)
{
	return t->state == TS_EXITED || t->state == TS_FAULTED || t->state == TS_STOPPED;
}

/* SYS_STATUS's word: the state, and the exit code or fault kind above it. */
static inline uint64_t thread_status(const struct thread *t)
{
	return t->state | ((uint64_t)t->code << 8);
}

/* t stops waiting: runnable, blocked on nothing.  Every wake-up, fast path
 * included, goes through here; then the scheduler queues t or switches to
 * it (sched.h: sched_wake, sched_ready, sched_handoff). */
static inline void thread_unblock(struct thread *t)
{
	t->state = TS_RUNNABLE;
	t->blocked_on = BLK_NONE;
	t->wait_obj = NULL;
}

struct thread *thread_alloc(struct task *task, unsigned prio);
/* Make it runnable for the first time, at user `entry` with x0 = arg. */
int thread_setup_user(struct thread *t, uint64_t entry, uint64_t arg);
/* Stop a thread for good (exit, fault or stop): off every queue, its
 * task told; freed if no capability names it (t may be gone then). */
void thread_stop(struct thread *t, unsigned state, int64_t code);
/* The last capability went away: a thread never started ends now (nobody
 * can start it), an ended one is freed, a live one runs on. */
void thread_release(struct thread *t);
/* SYS_EXIT: the current thread ends with `code` and never runs again. */
_Noreturn void thread_exit(int64_t code);
extern struct thread thread_pool[];
extern const unsigned thread_pool_size;

#endif
