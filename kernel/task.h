/*
 * Tasks: an address space, a capability space and the threads that run in
 * them.
 *
 * Rules:
 * - Every task maps the shared user code and read-only data (the same
 *   physical pages, read-only and executable), its private copy of the
 *   user data, and per thread a stack (with an unmapped guard page below)
 *   and an IPC buffer page.
 * - A task ends when its last thread ends (TS_EXITED, with that thread's
 *   code), when any of its threads faults (TS_FAULTED, with the fault
 *   kind: its other threads, started or not, end TS_FAULTED too) or when
 *   it is stopped (TS_STOPPED).  Ending frees its address space and empties its cspace.
 * - A task owns its threads: thread[i] is its thread of index i from its
 *   creation until that thread's object is freed (thread.h), NULL after.
 *   Every allocated thread's task is allocated and lists it there.
 * - After its end the task's struct (state, code, name, thread list)
 *   lives on while anything can still name it: a capability to the task
 *   or an allocated thread of it (which a capability to that thread keeps,
 *   thread.h).  It is freed when the last of those goes, never earlier,
 *   so that a pool entry is reused only once nothing points at its old
 *   occupant (task_free_if_unreachable).
 * - A task that has not ended and that nothing outside it can reach (no
 *   thread runs, and only its own cspace names it or its threads) can
 *   never run again: it ends at once (task_check_orphan).
 * - Its end notification, if bound, is signalled once, at its end, with
 *   the bound badge; the task holds a reference on it until then.
 * - An ended task refuses what would change it (a thread, a capability, a
 *   mapping, a binding, a stop) with IPC_E_STATE; SYS_STATUS still reads it.
 * - CPUs: a task's threads may run on several CPUs.  Its end may come
 *   while some of them still run on other CPUs (thread.h): its memory is
 *   unmapped and freed at once, its page tables (and so its ASID, its
 *   pool entry) only when the last of those CPUs has left it.
 * - Locking: every field under the kernel lock (klock.h).
 */
#ifndef TASK_H
#define TASK_H

#include "cap.h"
#include "thread.h"

#define TASK_NAME_MAX 16
#define TASK_MAX_THREADS 8

struct ntfn;

/* Where the linker put the user image (kernel.ld fills it in). */
struct user_layout {
	uint64_t text_start, text_end, text_lma;   /* code and read-only data */
	uint64_t data_start, data_end, data_lma;   /* initialised data */
	uint64_t bss_end;                          /* zeroed data up to here */
	uint64_t root_entry, thread_exit;          /* root_main, user_thread_exit */
};
extern const struct user_layout user_layout;

struct task {
	struct cspace cs;       /* first: a slot's address is the task's plus one shifted add */
	bool used;
	unsigned refs;
	unsigned asid;
	uint64_t *l1;           /* NULL once the task has ended */
	uint64_t *l1_kept;      /* its tables after its end while another CPU still runs it */
	uint8_t state;          /* TS_INACTIVE, TS_RUNNABLE, then TS_EXITED, TS_FAULTED or TS_STOPPED */
	uint8_t maxprio;        /* its threads' priorities may not exceed it */
	unsigned nthreads;      /* created so far: the next thread's index */
	unsigned nlive;         /* not yet ended */
	struct thread *thread[TASK_MAX_THREADS];   /* by index; NULL once freed */
	int64_t code;
	struct ntfn *end_ntfn;  /* signalled when the task ends */
	uint64_t end_badge;
	char name[TASK_NAME_MAX];
};

extern struct task task_pool[];
extern const unsigned task_pool_size;

/* A new task with no thread; NULL when the pool or memory is exhausted. */
struct task *task_create(const char *name, unsigned maxprio);
/* SYS_TASK_CREATE: a new task with its first thread (not started) at prio,
 * and its self capabilities (TASK_SLOT_SELF, TASK_SLOT_THREAD); IPC_E_NOMEM
 * (nothing made) when a pool or memory is exhausted. */
int task_spawn(const char *name, unsigned prio, uint64_t entry, uint64_t arg, struct task **out);
/* Undo task_create() for a task that has no thread. */
void task_abort(struct task *t);
/* A new thread in t at `prio`, not started. */
int task_add_thread(struct task *t, unsigned prio, uint64_t entry, uint64_t arg,
                    struct thread **out);
/* One of its threads ended; the task ends with the last one. */
void task_thread_ended(struct task *t, unsigned state, int64_t code);
/* The object of its thread th is being freed: off its list (the task may
 * go with it, task_free_if_unreachable). */
void task_forget_thread(struct task *t, struct thread *th);
void task_release(struct task *t);   /* its last capability went away */
/* SYS_STOP: end every thread of t now, started or not; t ends TS_STOPPED.
 * IPC_E_STATE when it has ended already.  When the current thread is one
 * of them, this does not return. */
int task_stop(struct task *t);
/* A capability to t or one of its threads went away: if none of its
 * threads runs (they were never started, or have ended) and only its own
 * cspace still names it or them, nobody can ever start them, so the task
 * ends now (else it would hold its pool entries for ever: its self
 * capabilities keep its reference count above 0).  Returns true when it
 * ended t this way (t and its threads may be gone then: touch nothing). */
bool task_check_orphan(struct task *t);
/* A CPU other than this one runs a thread of t now. */
bool task_runs_elsewhere(const struct task *t);
/* th, an ended thread of t, is about to leave this CPU (sched_leave_ended):
 * if t's end kept its page tables for CPUs that still ran it and this is
 * the last, they go now. */
void task_leave_cpu(struct task *t, struct thread *th);
/* The thread SYS_START of a task capability starts: its first, NULL once
 * that one's object is gone. */
static inline struct thread *task_first_thread(const struct task *t) { return t->thread[0]; }
/* The thread a THREAD capability, or a TASK capability (its first thread),
 * in `slot` of cs names, with the write right: cap_lookup's errors, or
 * IPC_E_STATE when the task's first thread is gone. */
int task_lookup_thread(struct cspace *cs, uint64_t slot, struct thread **out);
/* SYS_START: make th runnable for the first time (IPC_E_STATE if it ever ran
 * or ended); its task becomes TS_RUNNABLE. */
int task_start_thread(struct thread *th);
/* Put a copy of c (cap_mint) in t's empty slot `dest`: IPC_E_STATE when t
 * has ended (its cspace is gone), cap_check_free's errors. */
int task_insert_cap(struct task *t, uint64_t dest, const struct cap *c);
/* SYS_BOUND_NTFN: signal n with `badge` when t ends (replacing any earlier
 * binding; it holds a reference on n until then).  IPC_E_STATE when t has
 * ended already. */
int task_bind_end(struct task *t, struct ntfn *n, uint64_t badge);
/* SYS_STATUS's word of a task: its state, and its code above it. */
static inline uint64_t task_status(const struct task *t) { return t->state | ((uint64_t)t->code << 8); }
/* Copy between the kernel and a task's memory, checking every page is
 * mapped with the rights needed.  Return IPC_OK, IPC_E_ADDR. */
int task_copy_in(struct task *t, void *dst, uint64_t uva, size_t n);
/* The guard page of which thread, if uva is one (for fault reports). */
bool task_is_guard(const struct task *t, uint64_t uva);

static inline uint64_t thread_stack_top(unsigned index)
{
	return USER_STACK_TOP - (uint64_t)index * (USER_STACK_PAGES + 1) * PAGE_SIZE;
}

#endif
