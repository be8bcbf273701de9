/*
 * Thread and task lifetimes (task.h, thread.h): a capability to a thread
 * may outlive the thread's task.  Every order of the last deletions is
 * tried: the task capability first or the thread capability first, the
 * task exiting by itself or stopped from outside, the thread capability
 * held by the root or by a third task (which deletes it, or ends holding
 * it), for the task's first thread (which SYS_START of a task capability
 * looks up) and for a thread made by SYS_THREAD_CREATE.  After every step
 * the self-check must be clean, the surviving capability must read the
 * thread's outcome and refuse to start it, a new task must start, and in
 * the end every pool entry must have come back.
 */
#include "harness.h"
#include "tests.h"

#define LIFE_CODE   42          /* what the ended task's threads exit with */
#define LIFE_BLOCK  (1ull << 0) /* arg: block until stopped instead of exiting */
#define LIFE_GIVE   (1ull << 1) /* arg: copy thread 0's capability into the root's slot arg >> 8 */
#define HOLD_SLOT   20          /* where the third task holds the thread capability */

/* Go's words to the holder. */
#define HOLD_DELETE 1ull        /* check the capability, delete it, say done */
#define HOLD_EXIT   2ull        /* check the capability (if still held), end */

static void check_clean(const char *file, int line, const char *when)
{
	struct sysret sc = sys_selfcheck(ROOT_SLOT_CTRL);
	if (sc.err != IPC_OK || sc.v != 0)
		t_fail(file, line, "%s: SYS_SELFCHECK gave %ld, %lu broken invariants", when, sc.err, sc.v);
}
#define CLEAN(when) check_clean(__FILE__, __LINE__, when)

/* The task whose end is under test: thread 0 (and the second thread, if
 * any) exit with LIFE_CODE, or block until stopped. */
static void life_thread(uint64_t arg)
{
	if (arg & LIFE_GIVE) {
		/* CHILD_SLOT(0) is the root's task: put our thread capability there. */
		C_CHECK(sys_cap_copy(CHILD_SLOT(0), TASK_SLOT_THREAD, arg >> 8, RIGHTS_ALL, 0) == IPC_OK);
		C_CHECK(sys_cap_delete(CHILD_SLOT(0)) == IPC_OK);
	}
	if (arg & LIFE_BLOCK)
		sys_wait(CHILD_SLOT(1));   /* never signalled */
	sys_exit(LIFE_CODE);
}

/* The third task: waits for the root's word (CHILD_SLOT(0)), checks that
 * the capability it holds reads `want` and cannot be started, then ends
 * with it (HOLD_EXIT) or deletes it, says so on CHILD_SLOT(1) and ends at
 * the next word. */
static void holder(uint64_t want)
{
	struct sysret go = sys_wait(CHILD_SLOT(0));
	C_CHECK(go.err == IPC_OK);
	struct sysret st = sys_status(HOLD_SLOT);
	C_CHECK(st.err == IPC_OK && st.v == want);
	C_CHECK(sys_start(HOLD_SLOT) == IPC_E_STATE);
	if (go.v == HOLD_EXIT)
		sys_exit(0);
	C_CHECK(sys_cap_delete(HOLD_SLOT) == IPC_OK);
	C_CHECK(sys_signal(CHILD_SLOT(1), 1) == IPC_OK);
	sys_wait(CHILD_SLOT(0));
	sys_exit(0);
}

static void exit_now(uint64_t arg) { sys_exit((int64_t)arg); }

/* A new task can be made and started, and runs to its end. */
static void new_task_starts(const char *when)
{
	struct child n;
	if (!t_child(&n, exit_now, 0, 10, "new"))
		return;
	int64_t e = sys_start(n.task);
	if (e != IPC_OK)
		t_fail(__FILE__, __LINE__, "%s: SYS_START of a new task gave %s", when, uerrname(e));
	else
		t_join_ok(&n, "new task");
	t_slot_free(n.task);
	t_slot_free(n.end);
}

/* Every task entry but the root's is free again, each can be started (so
 * no old thread is found in a reused entry), and the self-check agrees. */
static void all_tasks_back(const char *when)
{
	struct child k[15];
	unsigned n = 0;
	for (; n < 15; n++)
		if (!t_child(&k[n], exit_now, n, 10, "again"))
			break;
	if (n != 15)
		t_fail(__FILE__, __LINE__, "%s: only %u of 15 tasks could be made", when, n);
	for (unsigned i = 0; i < n; i++) {
		int64_t e = sys_start(k[i].task);
		if (e != IPC_OK) {
			t_fail(__FILE__, __LINE__, "%s: SYS_START of task %u gave %s", when, i, uerrname(e));
			continue;
		}
		T_EQ(t_join(&k[i]), STATUS(TS_EXITED, i));
	}
	for (unsigned i = 0; i < 15; i++) {
		t_slot_free(k[i].task);
		t_slot_free(k[i].end);
	}
	CLEAN(when);
}

enum life_end { END_EXIT, END_STOP };
enum life_order { TASK_CAP_FIRST, THREAD_CAP_FIRST };
enum life_holder { BY_ROOT, BY_THIRD_DELETES, BY_THIRD_EXITS };

static void lifetime(enum life_end how, enum life_order order, enum life_holder who, bool first_thread)
{
	if (t_failed())
		return;
	uint64_t want = how == END_EXIT ? STATUS(TS_EXITED, LIFE_CODE) : STATUS(TS_STOPPED, 0);
	uint64_t blk = how == END_STOP ? LIFE_BLOCK : 0;
	uint64_t never = t_ntfn();
	uint64_t held = t_slot();      /* the root's capability to one of a's threads */
	struct child a, h;
	uint64_t go = 0, done = 0;
	if (!t_child(&a, life_thread, blk | (first_thread ? LIFE_GIVE | held << 8 : 0), 50, "ended"))
		return;
	t_give(&a, never, CHILD_SLOT(1), RIGHT_READ, 0);
	if (first_thread) {
		t_give(&a, ROOT_SLOT_TASK, CHILD_SLOT(0), RIGHT_WRITE, 0);
	} else {
		T_OK(sys_thread_create(a.task, held, life_thread, blk, 50));
		T_OK(sys_start(held));
	}
	t_start(&a);
	if (how == END_STOP) {
		t_settle(40);                  /* a's threads are blocked */
		T_EQ(sys_status(held).v, STATUS(TS_BLOCKED, 0));
		T_OK(sys_stop(a.task));
	}
	T_EQ(t_join(&a), want);
	T_EQ(sys_status(held).v, want);
	CLEAN("the task ended, both capabilities held");

	if (who != BY_ROOT) {
		/* Hand the capability over to a third task. */
		if (!t_child(&h, holder, want, 60, "holder"))
			return;
		go = t_ntfn();
		done = t_ntfn();
		t_give(&h, go, CHILD_SLOT(0), RIGHT_READ, 0);
		t_give(&h, done, CHILD_SLOT(1), RIGHT_WRITE, 0);
		T_OK(sys_cap_copy(h.task, held, HOLD_SLOT, RIGHTS_ALL, 0));
		t_slot_free(held);
		t_start(&h);
	}
	for (int step = 0; step < 2; step++) {
		bool task_step = (step == 0) == (order == TASK_CAP_FIRST);
		if (task_step) {
			t_slot_free(a.task);
			t_slot_free(a.end);
			CLEAN("the task capability deleted");
		} else if (who == BY_ROOT) {
			T_ERR(sys_start(held), IPC_E_STATE);
			t_slot_free(held);
			CLEAN("the thread capability deleted");
		} else if (who == BY_THIRD_DELETES) {
			T_OK(sys_signal(go, HOLD_DELETE));
			T_OK(sys_wait(done).err);
			CLEAN("the third task deleted the thread capability");
		} else {
			T_OK(sys_signal(go, HOLD_EXIT));
			t_join_ok(&h, "holder");
			CLEAN("the third task ended holding the thread capability");
		}
		if (step == 0)
			new_task_starts("one of the two capabilities deleted");
	}
	if (who == BY_THIRD_DELETES) {
		T_OK(sys_signal(go, HOLD_EXIT));
		t_join_ok(&h, "holder");
	}
	if (who != BY_ROOT) {
		t_slot_free(h.task);
		t_slot_free(h.end);
		t_slot_free(go);
		t_slot_free(done);
	}
	t_slot_free(never);
	all_tasks_back("both capabilities deleted");
}

static void lifetimes(enum life_end how, enum life_order order)
{
	for (int who = BY_ROOT; who <= BY_THIRD_EXITS; who++) {
		lifetime(how, order, (enum life_holder)who, true);
		lifetime(how, order, (enum life_holder)who, false);
	}
}

void test_life_exit_task_cap_first(void) { lifetimes(END_EXIT, TASK_CAP_FIRST); }
void test_life_exit_thread_cap_first(void) { lifetimes(END_EXIT, THREAD_CAP_FIRST); }
void test_life_stop_task_cap_first(void) { lifetimes(END_STOP, TASK_CAP_FIRST); }
void test_life_stop_thread_cap_first(void) { lifetimes(END_STOP, THREAD_CAP_FIRST); }
