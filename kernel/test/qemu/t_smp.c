/*
 * Several CPUs (issue 13): placement, notifications, endpoints and
 * capability transfer between threads of different CPUs, and the end of a
 * task (fault, stop, exit) whose threads run on two CPUs at once.  Each
 * test needs two CPUs or more and is reported skipped on one; with four,
 * the third and fourth CPUs take part where a test can use them.
 *
 * Nothing here waits on time: a spin-wait on shared memory executes
 * `yield` (so that QEMU's round robin in exact mode hands over) and has an
 * iteration limit that only a broken kernel reaches.
 */
#include "harness.h"
#include "tests.h"

#define SPIN_LIMIT 50000000ull

struct smp_shared {
	volatile uint64_t go;
	volatile uint64_t count[4];   /* progress of spinners */
	volatile uint64_t cpu[4];     /* where each said it ran */
	volatile uint64_t done;
};
#define SH ((struct smp_shared *)(uintptr_t)CHILD_MAP_VA)

static inline void relax(void) { __asm__ volatile("yield" ::: "memory"); }

/* The last CPU (1 with two CPUs, 3 with four) and one between. */
static unsigned far_cpu(void) { return t_ncpus() - 1; }
static unsigned mid_cpu(void) { return t_ncpus() > 2 ? 2 : 1; }

static struct smp_shared *share(uint64_t *frame)
{
	*frame = t_frame(1);
	return t_map_root(*frame, 1, RIGHT_READ | RIGHT_WRITE);
}

/* ---- placement --------------------------------------------------------- */

static void report_cpu(uint64_t arg)
{
	(void)arg;
	sys_exit(100 + sys_cpu_self());
}

/* Moves itself to CPU arg and reports where it then runs. */
static void move_self(uint64_t cpu)
{
	C_CHECK(sys_cpu_self() == 0);
	C_CHECK(sys_set_cpu(TASK_SLOT_THREAD, cpu) == IPC_OK);
	sys_exit(100 + sys_cpu_self());
}

/* Spins on its CPU until told to stop. */
static void spin_until_done(uint64_t i)
{
	SH->cpu[i] = sys_cpu_self();
	while (!SH->done && SH->count[i] < SPIN_LIMIT) {
		SH->count[i]++;
		relax();
	}
	sys_exit(SH->done ? 0 : 1);
}

void test_smp_placement(void)
{
	if (!t_need_cpus(2))
		return;
	T_EQ(sys_cpu_self(), 0);
	T_EQ(sys_cpu_count(), t_ncpus());
	/* A child runs where it is put, on every CPU; unplaced, on its
	 * creator's. */
	for (unsigned k = 0; k < t_ncpus(); k++) {
		struct child c;
		if (!t_child(&c, report_cpu, 0, 100, "where"))
			return;
		if (k)
			t_on_cpu(&c, k);
		t_start(&c);
		T_EQ(t_join(&c), STATUS(TS_EXITED, 100 + k));
	}
	/* A thread may move itself; it then runs there. */
	struct child m;
	if (!t_child(&m, move_self, far_cpu(), 100, "mover"))
		return;
	t_start(&m);
	T_EQ(t_join(&m), STATUS(TS_EXITED, 100 + far_cpu()));
	/* Refusals: no such CPU; a thread running on another CPU; an ended one. */
	uint64_t f;
	struct smp_shared *sh = share(&f);
	struct child s;
	if (!t_child(&s, spin_until_done, 0, 100, "spinner"))
		return;
	t_map_child(&s, f, CHILD_MAP_VA, RIGHT_READ | RIGHT_WRITE);
	T_ERR(sys_set_cpu(s.task, t_ncpus()), IPC_E_ARG);
	T_ERR(sys_set_cpu(s.task, 1000), IPC_E_ARG);
	t_on_cpu(&s, 1);
	t_start(&s);
	for (uint64_t i = 0; sh->count[0] == 0 && i < SPIN_LIMIT; i++)
		relax();
	T_CHECK(sh->count[0] > 0);
	T_ERR(sys_set_cpu(s.task, 0), IPC_E_STATE);   /* it runs on CPU 1 now */
	T_EQ(sh->cpu[0], 1);
	sh->done = 1;
	t_join_ok(&s, "spinner");
	T_ERR(sys_set_cpu(s.task, 0), IPC_E_STATE);   /* ended */
}

/* ---- notifications ----------------------------------------------------- */

/* Waits twice: the first word, then (after the root's three signals while
 * it spun) the coalesced second; exits with both. */
static void smp_waiter(uint64_t arg)
{
	(void)arg;
	struct sysret r = sys_wait(CHILD_SLOT(0));
	C_CHECK(r.err == IPC_OK);
	uint64_t first = r.v;
	SH->cpu[0] = sys_cpu_self();
	SH->count[0] = 1;                      /* the root signals three times now */
	for (uint64_t i = 0; !SH->go && i < SPIN_LIMIT; i++)
		relax();
	r = sys_wait(CHILD_SLOT(0));            /* pending: returns at once */
	C_CHECK(r.err == IPC_OK);
	sys_exit((int64_t)(first << 16 | r.v));
}

static void fifo_waiter(uint64_t arg)
{
	(void)arg;
	struct sysret r = sys_wait(CHILD_SLOT(0));
	C_CHECK(r.err == IPC_OK);
	sys_exit((int64_t)r.v);
}

void test_smp_ntfn(void)
{
	if (!t_need_cpus(2))
		return;
	uint64_t n = t_ntfn(), f;
	struct smp_shared *sh = share(&f);
	struct child w;
	if (!t_child(&w, smp_waiter, 0, 100, "waiter"))
		return;
	t_map_child(&w, f, CHILD_MAP_VA, RIGHT_READ | RIGHT_WRITE);
	t_give(&w, n, CHILD_SLOT(0), RIGHT_READ, 0);
	t_on_cpu(&w, far_cpu());
	t_start(&w);
	t_settle_on(far_cpu(), 10);             /* it waits, on its CPU */
	T_OK(sys_signal(n, 0x40));              /* wakes it there */
	for (uint64_t i = 0; !sh->count[0] && i < SPIN_LIMIT; i++)
		relax();
	T_EQ(sh->count[0], 1);
	T_EQ(sh->cpu[0], far_cpu());
	T_OK(sys_signal(n, 1));
	T_OK(sys_signal(n, 2));
	T_OK(sys_signal(n, 1));
	sh->go = 1;
	T_EQ(t_join(&w), STATUS(TS_EXITED, 0x40 << 16 | 3));
	/* FIFO: waiters on different CPUs, queued in a known order, get one
	 * signal each, in that order. */
	struct child q[3];
	for (unsigned i = 0; i < 3; i++) {
		if (!t_child(&q[i], fifo_waiter, 0, 100 + 10 * i, "fifo"))
			return;
		t_give(&q[i], n, CHILD_SLOT(0), RIGHT_READ, 0);
		unsigned cpu = (1 + i) % t_ncpus();
		if (cpu)
			t_on_cpu(&q[i], cpu);
		t_start(&q[i]);
		t_settle_on(cpu, 10);
	}
	T_OK(sys_signal(n, 0x100));
	T_OK(sys_signal(n, 0x200));
	T_OK(sys_signal(n, 0x400));
	T_EQ(sys_peek(n).v, 0);
	for (unsigned i = 0; i < 3; i++)
		T_EQ(t_join(&q[i]), STATUS(TS_EXITED, 0x100u << i));
}

/* ---- endpoints ----------------------------------------------------------- */

#define SMP_CALLS 300
#define SMP_STOP 0x5709ull

static uint64_t salt_word(uint64_t seq, uint64_t i) { return seq * 0x9e3779b97f4a7c15ull ^ (i + 1) * 0x1000193; }

/* Answers each call with every word + 1, checking each time that it runs
 * on its CPU (arg); ends on a one-word STOP send. */
static void smp_server(uint64_t cpu)
{
	uint64_t *buf = ipc_buffer();
	struct sysret r = sys_recv(CHILD_SLOT(0));
	for (;;) {
		C_CHECK(r.err == IPC_OK);
		C_CHECK(sys_cpu_self() == cpu);
		uint64_t len = MSG_LEN(r.v);
		if (len == 1 && r.mr[0] == SMP_STOP)
			sys_exit(0);
		uint64_t m[4] = { 0 };
		for (uint64_t i = 0; i < len && i < 4; i++)
			m[i] = r.mr[i] + 1;
		for (uint64_t i = 4; i < len; i++)
			buf[i] += 1;
		r = sys_reply_recv(CHILD_SLOT(0), MSG_INFO(len, 0, 0), m);
	}
}

/* SMP_CALLS calls of 0..12 words, each answer checked; exits 0. */
static uint64_t call_many(uint64_t ep)
{
	uint64_t *buf = ipc_buffer();
	for (uint64_t k = 0; k < SMP_CALLS; k++) {
		uint64_t len = k % 13, m[4] = { 0 };
		for (uint64_t i = 0; i < len; i++) {
			if (i < 4)
				m[i] = salt_word(k, i);
			else
				buf[i] = salt_word(k, i);
		}
		struct sysret r = sys_call(ep, MSG_INFO(len, 0, 0), m);
		if (r.err != IPC_OK || MSG_LEN(r.v) != len)
			return 1000 + k;
		for (uint64_t i = 0; i < len; i++)
			if ((i < 4 ? r.mr[i] : buf[i]) != salt_word(k, i) + 1)
				return 2000 + k;
	}
	return 0;
}

static void smp_client(uint64_t cpu)
{
	uint64_t bad = call_many(CHILD_SLOT(0));
	sys_exit(bad ? (int64_t)bad : sys_cpu_self() == cpu ? 0 : 99);
}

void test_smp_call(void)
{
	if (!t_need_cpus(2))
		return;
	uint64_t ep = t_ep();
	/* The root (CPU 0) calls a server on the last CPU. */
	struct child s;
	if (!t_child(&s, smp_server, far_cpu(), 100, "server"))
		return;
	t_give(&s, ep, CHILD_SLOT(0), RIGHT_READ, 0);
	t_on_cpu(&s, far_cpu());
	t_start(&s);
	T_EQ(call_many(ep), 0);
	T_EQ(sys_cpu_self(), 0);
	/* Two clients on two other CPUs call it at once (callers queued,
	 * ReplyRecv's general path across CPUs). */
	struct child c1, c2;
	unsigned c2cpu = mid_cpu() == far_cpu() ? 0 : mid_cpu();
	if (!t_child(&c1, smp_client, 0, 100, "client1") || !t_child(&c2, smp_client, c2cpu, 100, "client2"))
		return;
	t_give(&c1, ep, CHILD_SLOT(0), RIGHT_WRITE, 0);
	t_give(&c2, ep, CHILD_SLOT(0), RIGHT_WRITE, 0);
	if (c2cpu)
		t_on_cpu(&c2, c2cpu);
	t_start(&c1);
	t_start(&c2);
	t_join_ok(&c1, "client 1");
	t_join_ok(&c2, "client 2");
	T_OK(sys_send(ep, MSG_INFO(1, 0, 0), (uint64_t[4]){ SMP_STOP }).err);
	t_join_ok(&s, "server");
}

/* Receives a notification capability in a call, signals through it,
 * replies with the slot it landed in. */
static void grant_server(uint64_t arg)
{
	(void)arg;
	ipc_buffer()[IPCBUF_RECV_SLOT] = CHILD_SLOT(5);
	struct sysret r = sys_recv(CHILD_SLOT(0));
	C_CHECK(r.err == IPC_OK && (r.v & MSG_HAS_CAP) && MSG_CAP(r.v) == CHILD_SLOT(5));
	C_CHECK(sys_signal(CHILD_SLOT(5), 0x77) == IPC_OK);
	C_CHECK(sys_reply(MSG_INFO(1, 0, 0), (uint64_t[4]){ MSG_CAP(r.v) }) == IPC_OK);
	sys_exit(sys_cpu_self() == 1 ? 0 : 99);
}

void test_smp_grant(void)
{
	if (!t_need_cpus(2))
		return;
	uint64_t ep = t_ep(), n = t_ntfn();
	struct child s;
	if (!t_child(&s, grant_server, 0, 100, "grant"))
		return;
	t_give(&s, ep, CHILD_SLOT(0), RIGHT_READ, 0);
	t_on_cpu(&s, 1);
	t_start(&s);
	struct sysret r = sys_call(ep, MSG_INFO(0, n, 1), (uint64_t[4]){ 0 });
	T_OK(r.err);
	T_EQ(r.mr[0], CHILD_SLOT(5));
	T_EQ(sys_poll(n).v, 0x77);
	t_join_ok(&s, "grant server");
}

/* ---- the end of a task with threads on two CPUs ----------------------- */

static void fault_now(uint64_t addr)
{
	for (uint64_t i = 0; SH->count[1] == 0 && i < SPIN_LIMIT; i++)
		relax();                       /* its sibling runs on its CPU */
	*(volatile uint64_t *)(uintptr_t)addr = 1;   /* unmapped */
	sys_exit(1);
}

void test_smp_fault(void)
{
	if (!t_need_cpus(2))
		return;
	uint64_t f;
	struct smp_shared *sh = share(&f);
	/* A task faults on CPU 1; another, running on the last CPU (or on
	 * CPU 0 with two), runs on. */
	struct child bad, good;
	if (!t_child(&bad, fault_now, USER_MAP_END - PAGE_SIZE, 100, "faulter") || !t_child(&good, spin_until_done, 1, 100, "bystander"))
		return;
	t_map_child(&bad, f, CHILD_MAP_VA, RIGHT_READ | RIGHT_WRITE);
	t_map_child(&good, f, CHILD_MAP_VA, RIGHT_READ | RIGHT_WRITE);
	t_on_cpu(&bad, 1);
	if (t_ncpus() > 2)
		t_on_cpu(&good, far_cpu());
	t_start(&good);
	t_start(&bad);
	T_EQ(t_join(&bad), STATUS(TS_FAULTED, FAULT_DATA));
	T_EQ(sys_status(good.task).v, STATUS(TS_RUNNABLE, 0));   /* it runs on */
	sh->done = 1;
	t_join_ok(&good, "bystander");   /* and ends by itself, told to */
	/* A task with one thread on each CPU: the one on CPU 1 faults while
	 * its sibling spins on CPU 0 (the root waits meanwhile): the fault
	 * ends the sibling too, there, and the task's memory goes. */
	sh->done = 0;
	sh->count[1] = 0;
	struct child two;
	if (!t_child(&two, spin_until_done, 1, 100, "two-cpus"))
		return;
	t_map_child(&two, f, CHILD_MAP_VA, RIGHT_READ | RIGHT_WRITE);
	uint64_t th = t_slot();
	T_OK(sys_thread_create(two.task, th, fault_now, USER_MAP_END - PAGE_SIZE, 100));
	T_OK(sys_set_cpu(th, 1));
	t_start(&two);
	T_OK(sys_start(th));
	T_EQ(t_join(&two), STATUS(TS_FAULTED, FAULT_DATA));
	T_EQ(sys_status(th).v, STATUS(TS_FAULTED, FAULT_DATA));
	T_EQ(sh->done, 0);   /* the spinner was ended, it did not finish */
}

/* Spin on the CPU it is given, counting in count[arg], and now and then
 * enter the kernel with SYS_YIELD, which needs no capability: an ended
 * thread that its CPU did not leave would be queued again by it. */
static void spin_count(uint64_t i)
{
	for (uint64_t k = 0;; k++) {
		if (k < 1000)
			SH->count[i]++;
		relax();
		if (k % 64 == 0)
			sys_yield();
	}
}

/* Takes turns on its CPU (SYS_YIELD) until the root stops it. */
static void yield_until_done(uint64_t arg)
{
	(void)arg;
	for (;;)
		sys_yield();
}

static void exit_when_go(uint64_t i)
{
	SH->count[i] = 1;
	for (uint64_t k = 0; !SH->go && k < SPIN_LIMIT; k++)
		relax();
	sys_exit(SH->go ? 40 + (int64_t)i : 1);
}

void test_smp_stop_exit(void)
{
	if (!t_need_cpus(2))
		return;
	uint64_t f;
	struct smp_shared *sh = share(&f);
	/* Stop: threads spinning on CPU 1 and on the last CPU (CPU 0 beside
	 * the root with two CPUs) are running when the root stops the task. */
	struct child t;
	if (!t_child(&t, spin_count, 0, 100, "stopped"))
		return;
	t_map_child(&t, f, CHILD_MAP_VA, RIGHT_READ | RIGHT_WRITE);
	uint64_t th = t_slot();
	T_OK(sys_thread_create(t.task, th, spin_count, 1, 100));
	t_on_cpu(&t, 1);
	if (t_ncpus() > 2)
		T_OK(sys_set_cpu(th, far_cpu()));
	struct child by;
	if (!t_child(&by, yield_until_done, 0, 100, "bystander"))
		return;
	t_on_cpu(&by, 1);
	t_start(&by);
	t_start(&t);
	T_OK(sys_start(th));
	for (uint64_t i = 0; (sh->count[0] < 1000 || (t_ncpus() > 2 && sh->count[1] < 1000)) && i < SPIN_LIMIT; i++)
		relax();
	T_CHECK(sh->count[0] == 1000);   /* it runs on, touching no memory now */
	T_OK(sys_stop(t.task));
	T_EQ(sys_status(t.task).v, STATUS(TS_STOPPED, 0));
	/* A thread of another task shares CPU 1 with the stopped spinner, at
	 * its priority: the spinner must not run again there (an ended
	 * thread that its CPU did not leave would be queued again by its
	 * own SYS_YIELD and switched to in turn with this one; the kernel's
	 * invariants, read meanwhile, would show it queued). */
	for (unsigned k = 0; k < 20; k++) {
		for (uint64_t i = 0; i < 10; i++)
			relax();   /* in exact mode each hands CPU 1 a slice */
		struct sysret sc = sys_selfcheck(ROOT_SLOT_CTRL);
		if (sc.err != IPC_OK || sc.v != 0) {
			t_fail(__FILE__, __LINE__, "after the stop: %lu broken invariants", sc.v);
			break;
		}
	}
	T_EQ(sys_status(by.task).v, STATUS(TS_RUNNABLE, 0));
	T_OK(sys_stop(by.task));   /* it runs on CPU 1 now, or waits for its turn there */
	T_EQ(t_join(&by), STATUS(TS_STOPPED, 0));
	T_EQ(sys_status(th).v, STATUS(TS_STOPPED, 0));
	T_EQ(t_join(&t), STATUS(TS_STOPPED, 0));
	/* Both spinners were ended where they ran; the selfcheck after the
	 * test finds none of them queued again by a syscall of its own. */
	uint64_t c0 = sh->count[0], c1 = sh->count[1];
	for (uint64_t i = 0; i < 100000; i++)
		relax();
	T_EQ(sh->count[0], c0);   /* neither runs any more */
	T_EQ(sh->count[1], c1);
	/* Exit: one thread on each of two CPUs; the task ends with the last. */
	sh->count[0] = sh->count[1] = 0;
	struct child e;
	if (!t_child(&e, exit_when_go, 0, 100, "exiting"))
		return;
	t_map_child(&e, f, CHILD_MAP_VA, RIGHT_READ | RIGHT_WRITE);
	uint64_t th2 = t_slot();
	T_OK(sys_thread_create(e.task, th2, exit_when_go, 1, 100));
	t_on_cpu(&e, 1);
	t_start(&e);
	T_OK(sys_start(th2));      /* on CPU 0, below the root */
	for (uint64_t i = 0; !sh->count[0] && i < SPIN_LIMIT; i++)
		relax();
	sh->go = 1;
	uint64_t st = t_join(&e);
	T_CHECK(st == STATUS(TS_EXITED, 40) || st == STATUS(TS_EXITED, 41));
	T_EQ(sys_status(th2).v, STATUS(TS_EXITED, 41));
}

/* ---- one clock: every CPU's cycle counter -------------------------------- */

static inline uint64_t cycles(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, pmccntr_el0" : "=r"(v) : : "memory");
	return v;
}

/* Answers the root's stamps: sees count[0] set, reads its own counter into
 * cpu[0]; then stores its counter in count[1] for the root to read after. */
static void clock_echo(uint64_t arg)
{
	(void)arg;
	for (uint64_t i = 0; !SH->count[0] && i < SPIN_LIMIT; i++)
		relax();
	SH->cpu[0] = cycles();
	SH->count[1] = cycles();
	sys_exit(0);
}

/* A count read on one CPU after another CPU's count was seen is larger:
 * the counters of all CPUs read one clock (arch.c's pmu_clock_sync), so a
 * sample that starts on one CPU and ends on another is the time between.
 * Both directions, each CPU against CPU 0: an offset either way between
 * two counters fails one of them. */
void test_smp_clock(void)
{
	if (!t_need_cpus(2))
		return;
	uint64_t f;
	struct smp_shared *sh = share(&f);
	for (unsigned k = 1; k < t_ncpus(); k++) {
		sh->count[0] = sh->count[1] = sh->cpu[0] = 0;
		struct child c;
		if (!t_child(&c, clock_echo, 0, 100, "clock"))
			return;
		t_map_child(&c, f, CHILD_MAP_VA, RIGHT_READ | RIGHT_WRITE);
		t_on_cpu(&c, k);
		t_start(&c);
		uint64_t sent = cycles();
		sh->count[0] = sent;
		uint64_t i = 0;
		while (!sh->count[1] && i++ < SPIN_LIMIT)
			relax();
		uint64_t back = cycles(), seen = sh->cpu[0], stamped = sh->count[1];
		t_join_ok(&c, "clock");
		if (!(seen > sent && back > stamped))
			t_fail(__FILE__, __LINE__, "CPU 0 and CPU %u: stamp %lu on 0 seen at %lu on %u; "
			       "stamp %lu on %u seen at %lu on 0", k, sent, seen, k, stamped, k, back);
	}
}

/* ---- a stop reaches a thread running on another CPU at once -------------- */

/* Announces itself, then spins in registers only (a stopped task's memory
 * is unmapped: a thread that touched it would fault into the kernel, which
 * would hide a missing kick). */
static void spin_in_registers(uint64_t i)
{
	SH->count[i] = 1;
	for (;;)
		relax();
}

static void mark_done(uint64_t arg)
{
	(void)arg;
	SH->done = 1;
	sys_exit(0);
}

/* Exact mode (icount): two counter reads back to back are one instruction
 * apart, always; timed mode's counter follows host time. */
static bool exact_mode(void)
{
	for (int i = 0; i < 16; i++) {
		uint64_t a, b;
		__asm__ volatile("mrs %0, pmccntr_el0\n\tmrs %1, pmccntr_el0" : "=&r"(a), "=&r"(b));
		if (b - a != 1)
			return false;
	}
	return true;
}

#define TICK_INSTRUCTIONS 5000000ull   /* 200 Hz in exact mode: 1 ns an instruction */

/* SYS_STOP of a task whose thread runs at EL0 on CPU 1 takes that CPU off
 * the thread before it returns (sched_kick: an SGI, and the wait until the
 * CPU is at an entry).  Seen by what comes next: a thread of the same
 * priority started on CPU 1 runs at once (CPU 1 is idle, so the start
 * sends it the reschedule SGI).  Without the kick CPU 1 would go on
 * running the stopped spinner, whose priority the new thread does not
 * exceed (no SGI), until its tick, a whole period after the spinner began:
 * in exact mode the new thread must run within a fifth of that, and it
 * must run in either mode. */
void test_smp_stop_kick(void)
{
	if (!t_need_cpus(2))
		return;
	uint64_t f;
	struct smp_shared *sh = share(&f);
	struct child t, b;
	if (!t_child(&t, spin_in_registers, 0, 100, "spinner") ||
	    !t_child(&b, mark_done, 0, 100, "next"))
		return;
	t_map_child(&t, f, CHILD_MAP_VA, RIGHT_READ | RIGHT_WRITE);
	t_map_child(&b, f, CHILD_MAP_VA, RIGHT_READ | RIGHT_WRITE);
	t_on_cpu(&t, 1);
	t_on_cpu(&b, 1);
	t_start(&t);
	for (uint64_t i = 0; sh->count[0] == 0 && i < SPIN_LIMIT; i++)
		relax();
	T_CHECK(sh->count[0] == 1);
	for (unsigned k = 0; k < 50; k++)
		relax();   /* it spins at EL0 now */
	T_OK(sys_stop(t.task));
	T_EQ(sys_status(t.task).v, STATUS(TS_STOPPED, 0));
	uint64_t t0 = cycles();
	t_start(&b);
	for (uint64_t i = 0; !sh->done && i < SPIN_LIMIT; i++)
		relax();
	uint64_t took = cycles() - t0;
	T_CHECK(sh->done);
	t_join_ok(&b, "next");
	if (exact_mode() && took >= TICK_INSTRUCTIONS / 5)
		t_fail(__FILE__, __LINE__, "the thread started on CPU 1 after the stop ran %lu "
		       "instructions later: CPU 1 kept the stopped thread until its tick", took);
}

/* SYS_SET_CPU of a thread that is started but still waits for its CPU
 * moves it off that CPU's run queue onto the new one's, where it runs; and
 * when the caller moves itself, the thread its old CPU has queued runs
 * there at once. */
void test_smp_set_cpu_queued(void)
{
	if (!t_need_cpus(2))
		return;
	struct child c, d;
	if (!t_child(&c, report_cpu, 0, 100, "queued") || !t_child(&d, report_cpu, 0, 100, "left"))
		return;
	t_start(&c);   /* queued behind the root on CPU 0 */
	T_EQ(sys_status(c.task).v, STATUS(TS_RUNNABLE, 0));
	T_OK(sys_set_cpu(c.task, 1));
	T_EQ(t_join(&c), STATUS(TS_EXITED, 101));
	t_start(&d);
	T_OK(sys_set_cpu(ROOT_SLOT_THREAD, 1));
	T_EQ(sys_cpu_self(), 1);
	T_EQ(t_join(&d), STATUS(TS_EXITED, 100));
	T_OK(sys_set_cpu(ROOT_SLOT_THREAD, 0));
	T_EQ(sys_cpu_self(), 0);
}
