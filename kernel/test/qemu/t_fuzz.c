/*
 * The syscall fuzzer: a task issues FUZZ_CALLS random syscalls (random
 * numbers, in range and far out of it; random slots, small numbers,
 * message infos, map-window and kernel addresses, huge values) from its
 * own small cspace, while a sender/receiver pair beside it, at its
 * priority, exchanges sequence-numbered 10-word calls, every word checked
 * both ways.  After it every task must end as it should, and SYS_SELFCHECK
 * must find the kernel's invariants intact (the harness checks that after
 * every test).
 *
 * The fuzzer must never block for long (it would hang, or crawl at one
 * step per tick), so its capabilities are chosen for that:
 * - two notifications, which it signals itself (it holds write rights to
 *   both) just before any SYS_WAIT, so a wait always finds a word;
 * - an endpoint it may only receive on, where a feeder task of higher
 *   priority always has a message queued;
 * - an endpoint it may only send or call on (with grant), where an echo
 *   task of higher priority always waits, replies, and deletes any
 *   capability it is sent; nobody calls the fuzzer, so its reply_recv
 *   finds no caller and returns at once.
 * It holds no CTRL capability (no SYS_SHUTDOWN, no object creation), and
 * five calls are steered: SYS_EXIT is never made; SYS_THREAD_CREATE,
 * SYS_BOUND_NTFN, SYS_STOP and SYS_SET_CPU always get a notification slot
 * (SYS_STOP on its own task would end the fuzzer; a thread at a random
 * entry would fault the task; rebinding its end notification would hide
 * its end from the root; moving itself would undo the placement of the
 * SMP run); SYS_CAP_DELETE spares the slots it was given.
 * SYS_PUTS gets length 0 whenever its pointer is a user address, so
 * nothing is printed.
 */
#include "harness.h"
#include "tests.h"

#define FUZZ_CALLS 1000000u
#define STOP_BADGE 0x5709b1d6e3a2c4f1ull   /* the root's stop message to the echo task */
#define PAIR_BADGE 0x5a
#define PAIR_WORDS 10

/* The fuzzer's slots. */
enum {
	FZ_N1 = 3,        /* notification 1, all rights */
	FZ_N1_R = 4,      /* the same, read only */
	FZ_N1_WB = 5,     /* the same, write only, badged */
	FZ_ER = 6,        /* the fed endpoint: receive only */
	FZ_ES = 7,        /* the echo endpoint: send (and grant) only */
	FZ_FRAME = 8,     /* a 2-page frame */
	FZ_N2 = 9,        /* notification 2, read and write */
	FZ_FIRST_SCRATCH = 10,
};

struct fuzz_shared {
	volatile uint64_t done;         /* the root: the fuzzer has ended */
	volatile uint64_t pair_count;   /* messages the receiver checked */
};
#define SH ((struct fuzz_shared *)(uintptr_t)CHILD_MAP_VA)

static uint64_t rng;

static int bits(uint64_t x)
{
	int n = 0;
	for (; x; x &= x - 1)
		n++;
	return n;
}

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const uint64_t interesting[] = {
	0, 1, 2, 3, 7, 63, 64, 65, 0xff, 0x100, 511, 512, 513, 4095, 4096, 4097,
	0x40000000, 0x40200000, 0x40201000, 0x47fff000, 0x08000000, 0x09000000,
	USER_BASE, USER_BASE + 0x1000, USER_MAP_BASE, USER_MAP_BASE + 0x1000, USER_MAP_BASE + 1,
	USER_MAP_END - 0x1000, USER_MAP_END, USER_IPCBUF_BASE, USER_IPCBUF_BASE + 0x1000,
	USER_STACK_TOP - 0x1000, USER_STACK_TOP - 8, USER_STACK_TOP, USER_BOOTINFO,
	0x7fffffffffffffffull, 0x8000000000000000ull, 0xffffffffffffffffull, 0xffff000000000000ull,
	MSG_HAS_CAP, MSG_CAP_LOST, MSG_INFO(4, FZ_N1, 1), MSG_INFO(512, FZ_ES, 1), MSG_INFO(10, 0, 0),
};

static uint64_t arg(void)
{
	uint64_t r = rnd();
	switch (r & 7) {
	case 0:
	case 1:
		return (r >> 8) % 70;                        /* a slot, or just past the end */
	case 2:
		return 1 + (r >> 8) % 9;                     /* one of the slots it was given */
	case 3:
		return interesting[(r >> 8) % (sizeof interesting / sizeof interesting[0])];
	case 4:
		return (r >> 8) & 0xff;                      /* types, rights, small lengths */
	case 5:
		return rnd();                                /* anything */
	case 6:                                          /* a message info, sometimes with junk */
		return MSG_INFO((r >> 8) % 530, (r >> 20) % 70, (r >> 40) & 1) |
		       (((r >> 41) & 7) == 0 ? rnd() & 0xffff0000f800ull : 0);
	default:
		return USER_MAP_BASE + (((r >> 8) % 64) << 12);   /* pages of the map window */
	}
}

/* Filled at the start and checked at the end: no syscall may write the
 * fuzzer's memory except its IPC buffer. */
static uint64_t canary[64];

static void fuzzer(uint64_t seed)
{
	rng = seed | 1;
	for (unsigned i = 0; i < 64; i++)
		canary[i] = seed * 31 + i;
	uint64_t *buf = ipc_buffer();
	uint64_t ok = 0, codes = 0, ok_per_sys = 0;   /* bit n: syscall n succeeded at least once */
	for (unsigned i = 0; i < FUZZ_CALLS; i++) {
		uint64_t r = rnd();
		uint64_t n = (r & 7) == 0 ? rnd() : (r >> 3) % (SYS_COUNT + 3);
		uint64_t a[6];
		for (int k = 0; k < 6; k++)
			a[k] = arg();
		switch (n) {
		case SYS_EXIT:
			n = SYS_NULL;
			break;
		case SYS_THREAD_CREATE:
		case SYS_BOUND_NTFN:
		case SYS_STOP:
		case SYS_SET_CPU:
			a[0] = FZ_N1;
			break;
		case SYS_CAP_DELETE:
			if (a[0] > 0 && a[0] < FZ_FIRST_SCRATCH)
				a[0] += FZ_FIRST_SCRATCH;
			break;
		case SYS_WAIT:   /* make sure it does not block */
			if (sys_signal(FZ_N1, 0x4000) != IPC_OK || sys_signal(FZ_N2, 0x4000) != IPC_OK)
				sys_exit(4000);
			break;
		case SYS_PUTS:
			if (a[0] >= USER_BASE && a[0] < USER_STACK_TOP)
				a[1] = 0;
			break;
		default:
			break;
		}
		if (((r >> 56) & 3) == 0) {   /* a quarter of the maps and unmaps: plausible arguments */
			if (n == SYS_MAP || n == SYS_UNMAP) {
				a[0] = FZ_FRAME;
				a[1] = TASK_SLOT_SELF;
				a[3] = (r >> 40) & 1 ? RIGHT_READ | RIGHT_WRITE : RIGHT_READ;
			}
		}
		if ((r >> 60) == 0)   /* now and then: a receive slot, words for long messages */
			buf[(r >> 50) & 511] = arg();
		struct sysret res = syscall6(n, a[0], a[1], a[2], a[3], a[4], a[5]);
		if (res.err > 0 || res.err <= -IPC_E_COUNT)
			sys_exit(1000 + (int64_t)n);          /* not an error code at all */
		if (n >= SYS_COUNT && res.err != IPC_E_NOSYS)
			sys_exit(2000);
		if (n == SYS_NULL && res.err != IPC_OK)
			sys_exit(3000);
		codes |= 1ull << -res.err;
		if (res.err == IPC_OK) {
			ok++;
			if (n < 64)
				ok_per_sys |= 1ull << n;
		}
	}
	uprintf("[fuzz] fuzzer: %lu of %u calls succeeded, on %d syscalls (mask %lx); %d error codes seen\n",
	        ok, FUZZ_CALLS, bits(ok_per_sys), ok_per_sys, bits(codes) - 1);
	for (unsigned i = 0; i < 64; i++)
		C_CHECK(canary[i] == seed * 31 + i);
	/* Its own capabilities still behave. */
	C_CHECK(sys_signal(FZ_N1, 0x1000) == IPC_OK);
	C_CHECK(sys_peek(FZ_N1).v & 0x1000);
	sys_exit(0);
}

/* Serves the fuzzer's endpoint: replies when there is a caller, drops
 * capabilities it receives, stops on the root's badged STOP. */
static void echo(uint64_t arg)
{
	(void)arg;
	const uint64_t z[4] = { 0 };
	ipc_buffer()[IPCBUF_RECV_SLOT] = CHILD_SLOT(10);
	struct sysret r = sys_recv(CHILD_SLOT(0));
	for (;;) {
		if (r.err == IPC_OK && r.badge == STOP_BADGE && r.mr[0] == STOP_BADGE)
			sys_exit(0);
		if (r.err == IPC_OK && (r.v & MSG_HAS_CAP))
			C_CHECK(sys_cap_delete(MSG_CAP(r.v)) == IPC_OK);
		ipc_buffer()[IPCBUF_RECV_SLOT] = CHILD_SLOT(10);
		r = sys_reply_recv(CHILD_SLOT(0), 0, z);
		if (r.err == IPC_E_NOREPLY)
			r = sys_recv(CHILD_SLOT(0));
	}
}

/* Keeps a message queued on the fuzzer's receive endpoint until the root
 * says done (and takes the last one). */
static void feeder(uint64_t arg)
{
	uint64_t k = arg;
	while (!SH->done) {
		struct sysret r = sys_send(CHILD_SLOT(0), MSG_INFO(k % 6, 0, 0), (uint64_t[4]){ k, k, k, k });
		C_CHECK(r.err == IPC_OK);
		k++;
	}
	sys_exit(0);
}

static uint64_t word(uint64_t seq, uint64_t i) { return seq * 0x100000001b3ull + i * 0x9e3779b9ull + ~i; }

static void pair_sender(uint64_t arg)
{
	(void)arg;
	uint64_t *buf = ipc_buffer(), seq = 0;
	while (!SH->done) {
		uint64_t m[4];
		for (uint64_t i = 0; i < PAIR_WORDS; i++) {
			if (i < 4)
				m[i] = word(seq, i);
			else
				buf[i] = word(seq, i);
		}
		struct sysret r = sys_call(CHILD_SLOT(0), MSG_INFO(PAIR_WORDS, 0, 0), m);
		C_CHECK(r.err == IPC_OK && MSG_LEN(r.v) == 2);
		C_CHECK(r.mr[0] == seq && r.mr[1] == ~seq);
		seq++;
		sys_yield();   /* one exchange per turn: the fuzzer's yields stay cheap */
	}
	/* The end: a plain send, so that the receiver need not reply. */
	C_CHECK(sys_send(CHILD_SLOT(0), MSG_INFO(2, 0, 0), (uint64_t[4]){ ~0ull, seq }).err == IPC_OK);
	sys_exit(0);
}

static void pair_receiver(uint64_t arg)
{
	(void)arg;
	uint64_t *buf = ipc_buffer(), expect = 0;
	struct sysret r = sys_recv(CHILD_SLOT(0));
	for (;;) {
		C_CHECK(r.err == IPC_OK && r.badge == PAIR_BADGE);
		if (MSG_LEN(r.v) == 2 && r.mr[0] == ~0ull) {
			C_CHECK(r.mr[1] == expect);
			SH->pair_count = expect;
			sys_exit(0);
		}
		C_CHECK(MSG_LEN(r.v) == PAIR_WORDS);
		for (uint64_t i = 0; i < PAIR_WORDS; i++)
			C_CHECK((i < 4 ? r.mr[i] : buf[i]) == word(expect, i));
		r = sys_reply_recv(CHILD_SLOT(0), MSG_INFO(2, 0, 0), (uint64_t[4]){ expect, ~expect });
		expect++;
	}
}

/* The CPUs of the fuzzer, its echo, its feeder, the pair's sender and
 * receiver (all 0 on one CPU). */
struct fuzz_cpus { unsigned fuzzer, echo, feeder, send, recv; };

static void place(const struct child *c, unsigned cpu)
{
	if (cpu)
		t_on_cpu(c, cpu);
}

static void fuzz_run(uint64_t seed, const struct fuzz_cpus *cpu)
{
	uint64_t n1 = t_ntfn(), n2 = t_ntfn(), ep = t_ep(), fed = t_ep(), pe = t_ep();
	uint64_t fr = t_frame(2), shf = t_frame(1);
	uint64_t stop = t_mint(ep, RIGHT_WRITE, STOP_BADGE);
	struct fuzz_shared *sh = t_map_root(shf, 1, RIGHT_READ | RIGHT_WRITE);
	struct child f, s, k, ps, pr;
	if (!t_child(&s, echo, 0, 110, "echo") || !t_child(&k, feeder, 0, 110, "feeder") ||
	    !t_child(&ps, pair_sender, 0, 100, "pair-send") || !t_child(&pr, pair_receiver, 0, 100, "pair-recv") ||
	    !t_child(&f, fuzzer, seed, 100, "fuzzer"))
		return;
	t_give(&f, n1, FZ_N1, RIGHTS_ALL, 0);
	t_give(&f, n1, FZ_N1_R, RIGHT_READ, 0);
	t_give(&f, n1, FZ_N1_WB, RIGHT_WRITE, 0x8);
	t_give(&f, fed, FZ_ER, RIGHT_READ, 0);
	t_give(&f, ep, FZ_ES, RIGHT_WRITE | RIGHT_GRANT, 0);
	t_give(&f, fr, FZ_FRAME, RIGHTS_ALL, 0);
	t_give(&f, n2, FZ_N2, RIGHT_READ | RIGHT_WRITE, 0);
	t_give(&s, ep, CHILD_SLOT(0), RIGHT_READ, 0);
	t_give(&k, fed, CHILD_SLOT(0), RIGHT_WRITE, 0);
	t_map_child(&k, shf, CHILD_MAP_VA, RIGHT_READ);
	t_give(&ps, pe, CHILD_SLOT(0), RIGHT_WRITE, PAIR_BADGE);
	t_map_child(&ps, shf, CHILD_MAP_VA, RIGHT_READ);
	t_give(&pr, pe, CHILD_SLOT(0), RIGHT_READ, 0);
	t_map_child(&pr, shf, CHILD_MAP_VA, RIGHT_READ | RIGHT_WRITE);
	place(&f, cpu->fuzzer);
	place(&s, cpu->echo);
	place(&k, cpu->feeder);
	place(&ps, cpu->send);
	place(&pr, cpu->recv);
	t_start(&s);
	t_start(&pr);
	t_start(&ps);
	t_start(&k);
	t_start(&f);
	uint64_t st = t_join(&f);
	if (st != STATUS(TS_EXITED, 0))
		t_fail(__FILE__, __LINE__, "seed %lx: the fuzzer ended with state %lu code %lu", seed,
		       st & 0xff, st >> 8);
	sh->done = 1;
	T_OK(sys_recv(fed).err);    /* the feeder's last message: it sees done */
	t_join_ok(&k, "feeder");
	t_join_ok(&ps, "pair sender");
	t_join_ok(&pr, "pair receiver");
	T_CHECK(sh->pair_count > 100);      /* the pair really ran beside the fuzzer */
	T_OK(sys_send(stop, MSG_INFO(1, 0, 0), (uint64_t[4]){ STOP_BADGE }).err);
	t_join_ok(&s, "echo");
	uprintf("[fuzz] seed %lx: %u syscalls, %lu pair messages checked\n", seed, FUZZ_CALLS,
	        sh->pair_count);
}

static const struct fuzz_cpus one_cpu = { 0, 0, 0, 0, 0 };

void test_fuzz(void)
{
	fuzz_run(0x1234567887654321ull, &one_cpu);
}

/* On several CPUs at once.  With three CPUs or more: the fuzzer on CPU 1
 * with its feeder, its echo on CPU 2 (its calls cross CPUs all along),
 * the pair split between CPU 0 and the last CPU (its calls cross too),
 * the root on CPU 0.  With two: all five on CPU 1, the root on CPU 0.  Two
 * CPUs both busy in and out of the kernel crawl in exact mode: with the
 * fuzzer on one and the pair on the other, 20000 fuzzer syscalls took 8 s
 * (QEMU runs one vCPU for a whole slice of its round robin while the
 * other waits for the kernel lock), where four CPUs do the million in 4 s.
 * Timed mode runs that layout's contention for real with four CPUs. */
void test_fuzz_smp(void)
{
	if (!t_need_cpus(2))
		return;
	unsigned n = t_ncpus();
	const struct fuzz_cpus c = n > 2 ? (struct fuzz_cpus){ 1, 2, 1, 0, n - 1 }
	                                 : (struct fuzz_cpus){ 1, 1, 1, 1, 1 };
	fuzz_run(0x0fedcba987654321ull, &c);
}

void test_fuzz_seed2(void)
{
	fuzz_run(0xdecafbad0badf00dull, &one_cpu);
}
