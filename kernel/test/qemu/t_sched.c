/*
 * Scheduling (strict priorities, preemption by the tick, round robin
 * among equal priorities) and isolation between address spaces.  Progress
 * is counted in loop iterations seen through a shared frame, never in
 * cycles; every spin has an iteration limit, so a broken scheduler fails
 * the test instead of hanging it.
 */
#include "harness.h"
#include "tests.h"

#define SPIN_LIMIT 40000000ull   /* about 40 ticks of spinning: only reached when broken */

struct spin_shared {
	volatile uint64_t count[2];     /* progress of two spinners */
	volatile uint64_t changes[2];   /* how often each saw the other's count move */
	volatile uint64_t seen_at_wake; /* the low spinner's count when the high task ran */
	volatile uint64_t stop;
	volatile uint64_t high_ran;
};

#define SH ((struct spin_shared *)(uintptr_t)CHILD_MAP_VA)

static struct spin_shared *share(uint64_t *frame)
{
	*frame = t_frame(1);
	return t_map_root(*frame, 1, RIGHT_READ | RIGHT_WRITE);
}

static bool child_shared(struct child *c, uint64_t frame, void (*entry)(uint64_t), uint64_t arg,
                         unsigned prio, const char *name)
{
	if (!t_child(c, entry, arg, prio, name))
		return false;
	t_map_child(c, frame, CHILD_MAP_VA, RIGHT_READ | RIGHT_WRITE);
	return true;
}

/* Spin until told to stop; exit 0 if told, 1 if the limit came first. */
static void low_spinner(uint64_t arg)
{
	(void)arg;
	while (!SH->stop && SH->count[0] < SPIN_LIMIT)
		SH->count[0]++;
	sys_exit(SH->stop ? 0 : 1);
}

/* A high-priority task that spins across several ticks: the runnable
 * low-priority spinner must make no progress meanwhile. */
static void high_worker(uint64_t arg)
{
	uint64_t c0 = SH->count[0];
	for (volatile uint64_t i = 0; i < arg; i++)
		;
	C_CHECK(SH->count[0] == c0);
	SH->stop = 1;
	sys_exit(0);
}

void test_prio_strict(void)
{
	uint64_t f;
	struct spin_shared *sh = share(&f);
	struct child lo, hi;
	if (!child_shared(&lo, f, low_spinner, 0, 50, "low") ||
	    !child_shared(&hi, f, high_worker, 3000000, 100, "high"))
		return;
	t_start(&lo);
	t_start(&hi);
	t_join_ok(&hi, "high worker");
	t_join_ok(&lo, "low spinner");
	T_EQ(sh->stop, 1);
}

/* The low spinner runs first and spins; a task of its own priority gets
 * the CPU at a tick and signals the high task, which preempts at once. */
static void high_waiter(uint64_t arg)
{
	(void)arg;
	struct sysret r = sys_wait(CHILD_SLOT(0));
	C_CHECK(r.err == IPC_OK && r.v == 1);
	SH->seen_at_wake = SH->count[0];
	SH->high_ran = 1;
	SH->stop = 1;
	sys_exit(0);
}

static void same_prio_signaller(uint64_t arg)
{
	(void)arg;
	C_CHECK(SH->count[0] > 0);      /* the spinner ran before us */
	C_CHECK(sys_signal(CHILD_SLOT(0), 1) == IPC_OK);
	C_CHECK(SH->high_ran == 1);     /* the woken high task has run already */
	sys_exit(0);
}

void test_prio_no_starvation(void)
{
	uint64_t f;
	struct spin_shared *sh = share(&f);
	uint64_t n = t_ntfn();
	struct child hi, lo, sig;
	if (!child_shared(&hi, f, high_waiter, 0, 100, "high") ||
	    !child_shared(&lo, f, low_spinner, 0, 50, "spinner") ||
	    !child_shared(&sig, f, same_prio_signaller, 0, 50, "signaller"))
		return;
	t_give(&hi, n, CHILD_SLOT(0), RIGHT_READ, 0);
	t_give(&sig, n, CHILD_SLOT(0), RIGHT_WRITE, 0);
	t_start(&hi);
	t_start(&lo);
	t_start(&sig);
	t_join_ok(&hi, "high waiter");
	t_join_ok(&sig, "signaller");
	t_join_ok(&lo, "spinner");
	T_CHECK(sh->seen_at_wake > 0);
}

/* Two spinners of equal priority: each counts how often it finds the
 * other's counter moved since it last looked, which needs the other to
 * have run in between.  Neither stops before both have seen three moves:
 * one that stopped early could leave the other nothing to see, whatever
 * the phase of the tick when they start. */
static void equal_spinner(uint64_t me)
{
	uint64_t other = 1 - me, last = SH->count[other];
	while ((SH->changes[me] < 3 || SH->changes[other] < 3) && SH->count[me] < SPIN_LIMIT) {
		SH->count[me]++;
		uint64_t now = SH->count[other];
		if (now != last) {
			last = now;
			SH->changes[me]++;
		}
	}
	sys_exit(SH->changes[me] >= 3 ? 0 : 1);
}

void test_equal_prio_share(void)
{
	uint64_t f;
	struct spin_shared *sh = share(&f);
	struct child a, b;
	if (!child_shared(&a, f, equal_spinner, 0, 50, "spin-a") ||
	    !child_shared(&b, f, equal_spinner, 1, 50, "spin-b"))
		return;
	t_start(&a);
	t_start(&b);
	t_join_ok(&a, "spinner a");
	t_join_ok(&b, "spinner b");
	T_CHECK(sh->count[0] > 0 && sh->count[1] > 0);
}

/* ---- isolation ---------------------------------------------------------- */

static volatile uint64_t iso_word = 0x1111;    /* .data: each task has its own copy */
static volatile uint64_t iso_bss[8];           /* .bss: each task's starts zeroed */

static void iso_child(uint64_t mine)
{
	C_CHECK(iso_word == 0x1111);     /* the initial value, not the root's */
	C_CHECK(iso_bss[3] == 0);
	iso_word = mine;
	iso_bss[3] = mine;
	if (mine == 0xbbbb) {
		C_CHECK(sys_signal(CHILD_SLOT(0), 1) == IPC_OK);   /* written */
		C_CHECK(sys_wait(CHILD_SLOT(1)).err == IPC_OK);     /* the other one ran */
	}
	C_CHECK(iso_word == mine && iso_bss[3] == mine);
	sys_exit(0);
}

void test_isolation_private(void)
{
	uint64_t ready = t_ntfn(), go = t_ntfn();
	uint64_t saved = iso_word;
	iso_word = 0xaaaa;
	iso_bss[3] = 0xaaaa;
	struct child a, b;
	if (!t_child(&a, iso_child, 0xbbbb, 100, "iso-a") || !t_child(&b, iso_child, 0xcccc, 100, "iso-b"))
		return;
	t_give(&a, ready, CHILD_SLOT(0), RIGHT_WRITE, 0);
	t_give(&a, go, CHILD_SLOT(1), RIGHT_READ, 0);
	t_start(&a);
	T_OK(sys_wait(ready).err);    /* a has written its copy */
	T_EQ(iso_word, 0xaaaa);
	t_start(&b);
	t_join_ok(&b, "iso-b");       /* b wrote its own copy at the same address */
	T_EQ(iso_word, 0xaaaa);
	T_OK(sys_signal(go, 1));
	t_join_ok(&a, "iso-a");       /* and a still sees its own value */
	T_EQ(iso_word, 0xaaaa);
	T_EQ(iso_bss[3], 0xaaaa);
	iso_word = saved;
	iso_bss[3] = 0;
}

static void iso_reader(uint64_t addr)
{
	uint64_t x = *(volatile uint64_t *)(uintptr_t)addr;
	sys_exit((int64_t)(x | 1));
}

static void iso_writer(uint64_t addr)
{
	*(volatile uint64_t *)(uintptr_t)addr = 0xbad;
	sys_exit(1);
}

/* Memory mapped in another task (the root's frame mapping, its boot info
 * page, another child's frame) is not there in a child: it faults. */
void test_isolation_other_map(void)
{
	uint64_t f = t_frame(1);
	volatile uint64_t *mine = t_map_root(f, 1, RIGHT_READ | RIGHT_WRITE);
	mine[0] = 0x77;
	const uint64_t addrs[] = { (uint64_t)(uintptr_t)mine, USER_BOOTINFO, CHILD_MAP_VA };
	struct child holder;
	/* A child that holds the frame at CHILD_MAP_VA, alive while the others try. */
	if (!t_child(&holder, iso_child, 0xcccc, 100, "holder"))
		return;
	t_map_child(&holder, f, CHILD_MAP_VA, RIGHT_READ | RIGHT_WRITE);
	for (unsigned i = 0; i < 3; i++) {
		struct child r, w;
		if (!t_child(&r, iso_reader, addrs[i], 100, "reader") || !t_child(&w, iso_writer, addrs[i], 100, "writer"))
			return;
		t_start(&r);
		t_start(&w);
		T_EQ(t_join(&r), STATUS(TS_FAULTED, FAULT_DATA));
		T_EQ(t_join(&w), STATUS(TS_FAULTED, FAULT_DATA));
		t_slot_free(r.task);
		t_slot_free(r.end);
		t_slot_free(w.task);
		t_slot_free(w.end);
	}
	T_EQ(mine[0], 0x77);
	/* The holder never started: start it so that it ends. */
	t_start(&holder);
	t_join_ok(&holder, "holder");
}

/* ---- SYS_STOP: ending a task from outside ---- */

static void blocked_forever(uint64_t arg)
{
	(void)arg;
	sys_recv(CHILD_SLOT(0));   /* nobody ever sends */
	sys_exit(1);
}

static void spinner_forever(uint64_t arg)
{
	(void)arg;
	for (;;)
		__asm__ volatile("" ::: "memory");
}

static void stops_itself(uint64_t arg)
{
	(void)arg;
	sys_stop(TASK_SLOT_SELF);
	sys_exit(1);               /* never reached */
}

void test_stop(void)
{
	uint64_t ep = t_ep();
	struct child blk, spin, self, never;
	if (!t_child(&blk, blocked_forever, 0, 100, "blocked") || !t_child(&spin, spinner_forever, 0, 50, "spinner") ||
	    !t_child(&self, stops_itself, 0, 100, "self-stop") || !t_child(&never, blocked_forever, 0, 100, "unstarted"))
		return;
	t_give(&blk, ep, CHILD_SLOT(0), RIGHT_READ, 0);
	t_start(&blk);
	t_start(&spin);
	t_start(&self);
	t_settle(60);              /* blk blocked in recv, self stopped, spin runnable below */
	T_EQ(t_join(&self) & 0xff, TS_STOPPED);
	T_OK(sys_stop(blk.task));
	T_EQ(t_join(&blk) & 0xff, TS_STOPPED);
	T_OK(sys_stop(spin.task));
	T_EQ(t_join(&spin) & 0xff, TS_STOPPED);
	T_OK(sys_stop(never.task));  /* never started: it ends too */
	T_EQ(t_join(&never) & 0xff, TS_STOPPED);
	T_ERR(sys_stop(blk.task), IPC_E_STATE);        /* ended already */
	T_ERR(sys_stop(ep), IPC_E_TYPE);
	T_ERR(sys_stop(0), IPC_E_SLOT);
	/* The endpoint lost its blocked receiver: a non-blocking send finds nobody. */
	T_ERR(sys_nbsend(ep, 0, (uint64_t[4]){ 0 }).err, IPC_E_WOULDBLOCK);
}
