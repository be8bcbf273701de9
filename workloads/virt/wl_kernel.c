/*
 * Workloads of the kernel's own objects: notifications as syscalls
 * (signal, poll) and endpoints.  The null syscall, yield and the
 * notification round trip are shared workloads (workloads/common/).  See workloads/README.md for what each measures.
 */
#include "timed.h"
#include "virt.h"
#include "wl.h"

/* What the threads of a two-thread workload share (in the shared region). */
struct ctl {
	volatile uint64_t start[2];   /* t0 of the last timed syscall of each side */
	volatile uint64_t n;          /* iterations in all (warm-up included) */
	volatile uint64_t warmup;
	volatile uint64_t words;
	volatile int64_t err;         /* first error a helper thread saw */
	volatile uint64_t nsamples;
	int64_t samples[];            /* the helper's samples, MAX_SAMPLES of them */
};

static struct ctl *ctl_root(void) { return shared_root(); }

static inline uint64_t cycles(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, pmccntr_el0" : "=r"(v) : : "memory");
	return v;
}

static uint64_t overhead_reads(void)
{
	uint64_t t0 = cycles();
	uint64_t t1 = cycles();
	return t1 - t0;
}

static uint64_t overhead_both(void)
{
	int64_t r;
	return timed_nop(SYS_NULL, 0, 0, &r);
}

static uint64_t overhead_start(void)
{
	static volatile uint64_t start;
	uint64_t mr[4] = { 0 };
	int64_t r;
	uint64_t t1 = timed_start_nop(SYS_NULL, 0, 0, mr, &start, &r);
	return t1 - start;
}

/* ---- ntfn_signal ---- */

static struct nsig {
	struct ctl *c;
	uint64_t a, b, done;   /* notification slots of the root task */
	uint64_t n;
	int64_t ov;
} ns;

/* to=high: the waiter outranks the signaller; every signal switches. */
static void high_waiter(uint64_t arg)
{
	(void)arg;
	uint64_t mr[4] = { 0 };
	static volatile uint64_t unused;
	for (uint64_t i = 0; i < ns.n; i++) {
		int64_t r;
		uint64_t t1 = timed_start_svc(SYS_WAIT, ns.a, 0, mr, &unused, &r);
		wl_samples[i] = (int64_t)(t1 - ns.c->start[0]) - ns.ov;
	}
	sys_signal(ns.done, 1);
}

static void high_signaller(uint64_t arg)
{
	(void)arg;
	uint64_t mr[4] = { 0 };
	for (;;) {
		int64_t r;
		timed_start_svc(SYS_SIGNAL, ns.a, 1, mr, &ns.c->start[0], &r);
	}
}

/* placement=cross: the waiter on another CPU.  The signaller signals only
 * once the waiter is blocked in its wait for this round (its count says
 * which round, SYS_STATUS that it sleeps), so each signal finds a waiter:
 * to=high times signal to the waiter's return on its CPU (the SGI and its
 * wake-up there included), to=low the signaller's own syscall. */
static uint64_t waiter_slot;
static volatile uint64_t waiter_round;

static void wait_blocked(uint64_t round)
{
	while (waiter_round != round || (sys_status(waiter_slot).v & 0xff) != TS_BLOCKED)
		__asm__ volatile("yield" ::: "memory");
}

static void cross_waiter(uint64_t arg)
{
	(void)arg;
	uint64_t mr[4] = { 0 };
	static volatile uint64_t unused;
	for (uint64_t i = 0; i < ns.n; i++) {
		int64_t r;
		waiter_round = i;
		uint64_t t1 = timed_start_svc(SYS_WAIT, ns.a, 0, mr, &unused, &r);
		if (arg)
			wl_samples[i] = (int64_t)(t1 - ns.c->start[0]) - ns.ov;
	}
	waiter_round = ns.n;
	sys_signal(ns.done, 1);
}

static void cross_signaller(uint64_t high)
{
	uint64_t mr[4] = { 0 };
	for (uint64_t i = 0; i < ns.n; i++) {
		int64_t r;
		wait_blocked(i);
		if (high) {
			timed_start_svc(SYS_SIGNAL, ns.a, 1, mr, &ns.c->start[0], &r);
		} else {
			uint64_t d = timed_svc(SYS_SIGNAL, ns.a, 1, &r);
			wl_samples[i] = (int64_t)d - ns.ov;
		}
	}
	sys_signal(ns.b, 1);
}

/* to=low: the signaller outranks the waiter, which it wakes without
 * switching; it then sleeps on b until a third, lowest thread finds both
 * asleep and signals b. */
static void low_signaller(uint64_t arg)
{
	(void)arg;
	for (uint64_t i = 0; i < ns.n; i++) {
		int64_t r;
		uint64_t d = timed_svc(SYS_SIGNAL, ns.a, 1, &r);
		wl_samples[i] = (int64_t)d - ns.ov;
		sys_wait(ns.b);
	}
	sys_signal(ns.done, 1);
}

static void low_waiter(uint64_t arg)
{
	(void)arg;
	for (;;)
		sys_wait(ns.a);
}

static void low_kicker(uint64_t arg)
{
	(void)arg;
	for (;;)
		sys_signal(ns.b, 1);
}

static int wl_ntfn_signal(const struct wl_args *a)
{
	const char *to = wl_get_choice(a, "to");
	bool same_seq = strcmp(to, "high") == 0;
	ns.ov = measure_overhead(a, same_seq ? overhead_start : overhead_both);
	if (ns.ov < 0)
		return 1;
	uint64_t n = wl_iterations(a), w = (uint64_t)wl_get(a, "warmup") + 1;
	ns.c = ctl_root();
	ns.n = n + w;
	ns.a = root_create(CAP_NTFN, 0);
	ns.b = root_create(CAP_NTFN, 0);
	ns.done = root_create(CAP_NTFN, 0);
	bool cross = wl_cpu_of(a, 0) != 0;
	if (cross && strcmp(to, "none") == 0)
		return wl_fail("ntfn_signal to=none has no waiter to place: placement=same only");
	if (cross) {
		/* the waiter on CPU 1 (first placed), the signaller on CPU 0 */
		waiter_slot = spawn_thread(cross_waiter, same_seq, 150);
		wl_place(waiter_slot, wl_cpu_of(a, 0));
		waiter_round = ~0ull;
		sys_start(waiter_slot);
		sys_start(spawn_thread(cross_signaller, same_seq, 100));
		sys_wait(ns.done);
		sys_wait(ns.b);
	} else if (strcmp(to, "none") == 0) {
		for (uint64_t i = 0; i < n + w; i++) {
			int64_t r;
			uint64_t d = timed_svc(SYS_SIGNAL, ns.a, 1, &r);
			wl_samples[i] = (int64_t)d - ns.ov;
		}
	} else if (same_seq) {
		sys_start(spawn_thread(high_waiter, 0, 150));
		sys_start(spawn_thread(high_signaller, 0, 100));
		sys_wait(ns.done);
	} else {
		sys_start(spawn_thread(low_waiter, 0, 50));
		sys_start(spawn_thread(low_kicker, 0, 10));
		sys_start(spawn_thread(low_signaller, 0, 100));
		sys_wait(ns.done);
	}
	emit_frame(a, "signal", ns.ov, 1, wl_samples + w, n);
	return 0;
}

/* ---- ntfn_poll ---- */

static int wl_ntfn_poll(const struct wl_args *a)
{
	int64_t ov = measure_overhead(a, overhead_both);
	if (ov < 0)
		return 1;
	bool pending = strcmp(wl_get_choice(a, "state"), "pending") == 0;
	uint64_t n = wl_iterations(a), w = (uint64_t)wl_get(a, "warmup");
	uint64_t nt = root_create(CAP_NTFN, 0);
	for (uint64_t i = 0; i < n + w; i++) {
		if (pending)
			sys_signal(nt, 1);
		int64_t r;
		uint64_t d = timed_svc(SYS_POLL, nt, 0, &r);
		if (i >= w)
			wl_samples[i - w] = (int64_t)d - ov;
	}
	emit_frame(a, "poll", ov, 1, wl_samples, n);
	return 0;
}

/* ---- ep_call: Call (client -> server) and ReplyRecv (server -> client) ---- */

struct epctl {
	volatile uint64_t start[2];   /* [0] the client's call, [1] the server's reply_recv */
	uint64_t n, info, ep;         /* the server's view: its endpoint slot */
	int64_t ov;
	uint64_t done;                /* notification slot, same-space server only */
	int64_t call[WL_MAX_ITER + WL_MAX_WARMUP + 1];   /* samples taken by the server */
};
_Static_assert(sizeof(struct epctl) <= SHARED_PAGES * PAGE_SIZE, "fits the shared region");

static void ep_server(uint64_t arg)
{
	struct epctl *c = (struct epctl *)(uintptr_t)arg;
	static volatile uint64_t unused;
	uint64_t mr[4] = { 0 };
	int64_t r;
	uint64_t t1 = timed_start_svc(SYS_RECV, c->ep, 0, mr, &unused, &r);
	c->call[0] = (int64_t)(t1 - c->start[0]) - c->ov;
	for (uint64_t i = 1; i <= c->n; i++) {
		mr[0] = mr[1] = mr[2] = mr[3] = i;
		t1 = timed_start_svc(SYS_REPLY_RECV, c->ep, c->info, mr, &c->start[1], &r);
		if (i < c->n)
			c->call[i] = (int64_t)(t1 - c->start[0]) - c->ov;
	}
}

static int wl_ep_call(const struct wl_args *a)
{
	int64_t ov = measure_overhead(a, overhead_start);
	if (ov < 0)
		return 1;
	uint64_t n = wl_iterations(a), w = (uint64_t)wl_get(a, "warmup");
	uint64_t words = (uint64_t)wl_get(a, "words");
	bool diff = strcmp(wl_get_choice(a, "space"), "diff") == 0;
	uint64_t server;
	struct epctl *c = shared_root();
	uint64_t ep = root_create(CAP_EP, 0);
	c->n = n + w;
	c->info = MSG_INFO(words, 0, 0);
	c->ov = ov;
	uint64_t *buf = ipc_buffer();
	for (uint64_t i = MSG_REG_WORDS; i < words; i++)
		buf[i] = i;
	if (diff) {
		c->ep = WSLOT_EP0;
		const uint64_t slots[4] = { 0, 0, ep, 0 };
		server = spawn_task(ep_server, 0, ROOT_PRIO, "ep-server", slots);
	} else {
		c->ep = ep;
		server = spawn_thread(ep_server, ROOT_SHARED_VA, ROOT_PRIO);
	}
	wl_place(server, wl_cpu_of(a, 0));
	sys_start(server);
	/* The server runs at the root's priority: let it reach its recv.  On
	 * another CPU the first Call may come before the server waits (it
	 * then waits for it: a warm-up iteration); every later Call finds it
	 * waiting, its ReplyRecv having answered and waited in one step. */
	sys_yield();
	uint64_t mr[4] = { 1, 2, 3, 4 };
	for (uint64_t i = 0; i < n + w; i++) {
		int64_t r;
		uint64_t t1 = timed_start_svc(SYS_CALL, ep, c->info, mr, &c->start[0], &r);
		if (r)
			return wl_fail("call %lu failed: %s", i, uerrname(r));
		if (i >= w)
			wl_samples[i - w] = (int64_t)(t1 - c->start[1]) - ov;
	}
	emit_frame(a, "call", ov, 1, c->call + w, n);
	emit_frame(a, "replyrecv", ov, 1, wl_samples, n);
	return 0;
}

/* ---- ep_send: Send to a higher-priority thread waiting in Recv ---- */

static void send_receiver(uint64_t arg)
{
	struct epctl *c = (struct epctl *)(uintptr_t)arg;
	static volatile uint64_t unused;
	uint64_t mr[4] = { 0 };
	for (uint64_t i = 0; i < c->n; i++) {
		int64_t r;
		uint64_t t1 = timed_start_svc(SYS_RECV, c->ep, 0, mr, &unused, &r);
		c->call[i] = (int64_t)(t1 - c->start[0]) - c->ov;
	}
	sys_signal(c->done, 1);
}

static void send_sender(uint64_t arg)
{
	struct epctl *c = (struct epctl *)(uintptr_t)arg;
	uint64_t mr[4] = { 1, 2, 3, 4 };
	for (;;) {
		int64_t r;
		timed_start_svc(SYS_SEND, c->ep, c->info, mr, &c->start[0], &r);
	}
}

static int wl_ep_send(const struct wl_args *a)
{
	int64_t ov = measure_overhead(a, overhead_start);
	if (ov < 0)
		return 1;
	uint64_t n = wl_iterations(a), w = (uint64_t)wl_get(a, "warmup");
	struct epctl *c = shared_root();
	c->ep = root_create(CAP_EP, 0);
	c->done = root_create(CAP_NTFN, 0);
	c->n = n + w;
	c->info = MSG_INFO((uint64_t)wl_get(a, "words"), 0, 0);
	c->ov = ov;
	sys_start(spawn_thread(send_receiver, ROOT_SHARED_VA, 150));
	sys_start(spawn_thread(send_sender, ROOT_SHARED_VA, 100));
	sys_wait(c->done);
	emit_frame(a, "send", ov, 1, c->call + w, n);
	return 0;
}

/* ---- ipi: a round trip of inter-processor interrupts ----
 *
 * Two threads of the root's task (one address space: no switch of it), the
 * root on CPU 0 and the other on CPU `cpus - 1`, each CPU otherwise idle:
 * the root signals notification a and waits on b; the other, waiting on a,
 * is woken on its CPU by the SGI the signal sends, signals b, which wakes
 * the root by an SGI back, and waits again.  A sample is the root's round
 * trip on its own counter.  Each side checks the other's count, so a
 * lost, doubled or early wake-up fails the run. */

static struct ipictl {
	uint64_t a, b, n;
	volatile uint64_t ping, pong;
} ipi;

static void ipi_echo(uint64_t arg)
{
	(void)arg;
	for (uint64_t i = 1; i <= ipi.n; i++) {
		sys_wait(ipi.a);
		if (ipi.ping != i) {
			ipi.pong = ~0ull;
			sys_signal(ipi.b, 1);
			return;
		}
		ipi.pong = i;
		sys_signal(ipi.b, 1);
	}
}

static int wl_ipi(const struct wl_args *a)
{
	if (strcmp(wl_get_choice(a, "placement"), "cross") != 0)
		return wl_fail("ipi measures a round trip between CPUs: placement=cross only");
	int64_t ov = measure_overhead(a, overhead_reads);
	if (ov < 0)
		return 1;
	uint64_t n = wl_iterations(a), w = (uint64_t)wl_get(a, "warmup");
	ipi.a = root_create(CAP_NTFN, 0);
	ipi.b = root_create(CAP_NTFN, 0);
	ipi.n = n + w;
	ipi.ping = ipi.pong = 0;
	uint64_t t = spawn_thread(ipi_echo, 0, ROOT_PRIO);
	wl_place(t, (unsigned)wl_get(a, "cpus") - 1);
	sys_start(t);
	for (uint64_t i = 1; i <= n + w; i++) {
		ipi.ping = i;
		uint64_t t0 = cycles();
		sys_signal(ipi.a, 1);
		sys_wait(ipi.b);
		uint64_t t1 = cycles();
		if (ipi.pong != i)
			return wl_fail("ipi: round trip %lu woke the root with the other CPU at %lu",
			               (unsigned long)i, (unsigned long)ipi.pong);
		if (i > w)
			wl_samples[i - w - 1] = (int64_t)(t1 - t0) - ov;
	}
	emit_frame(a, "rtt", ov, 1, wl_samples, n);
	return 0;
}

/* ---- the table ---- */

static const char *const to_choices[] = { "high", "low", "none", NULL };
static const char *const state_choices[] = { "empty", "pending", NULL };
static const char *const space_choices[] = { "same", "diff", NULL };

static const struct wl_param ntfn_signal_params[] = {
	ITER,
	{ .name = "to", .def = 0, .choices = to_choices },
	PLACEMENT_PARAMS,
};
static const struct wl_param ntfn_poll_params[] = {
	ITER,
	{ .name = "state", .def = 0, .choices = state_choices },
};
static const struct wl_param ep_call_params[] = {
	ITER,
	{ .name = "words", .min = 0, .max = MSG_MAX_WORDS, .def = 0 },
	{ .name = "space", .def = 1, .choices = space_choices },
	PLACEMENT_PARAMS,
};
static const struct wl_param ipi_params[] = {
	ITER,
	{ .name = "placement", .def = 1, .choices = wl_placement_names },
	{ .name = "cpus", .min = 2, .max = WL_CPUS_MAX, .def = 2 },
};
static const struct wl_param ep_send_params[] = {
	ITER,
	{ .name = "words", .min = 0, .max = MSG_MAX_WORDS, .def = 0 },
};

const struct wl_desc wl_kernel_table[] = {
	{ .name = "ntfn_signal", .summary = "signal a notification", PARAMS(ntfn_signal_params), .run = wl_ntfn_signal },
	{ .name = "ntfn_poll", .summary = "poll a notification", PARAMS(ntfn_poll_params), .run = wl_ntfn_poll },
	{ .name = "ep_call", .summary = "Call and ReplyRecv one way", PARAMS(ep_call_params), .run = wl_ep_call },
	{ .name = "ep_send", .summary = "Send to a waiting Recv", PARAMS(ep_send_params), .run = wl_ep_send },
	{ .name = "ipi", .summary = "a round trip of inter-processor interrupts", PARAMS(ipi_params), .run = wl_ipi },
};
const size_t wl_kernel_count = sizeof wl_kernel_table / sizeof wl_kernel_table[0];
