/*
 * The suite's driver (run_tests) and its helpers; the test table is at the
 * end of this file, the tests in the other files of this folder.
 */
#include <stdarg.h>
#include "harness.h"
#include "lib/fmt.h"
#include "tests.h"

static char fail_msg[200];
static bool failed;
static unsigned skipped_needs;   /* the current test needs this many CPUs, and there are fewer */
static unsigned cpu_count = 1;
static uint64_t slot_taken;       /* bit s: slot s was taken by the current test */
static uint64_t first_slot;
static uint64_t root_va = USER_MAP_BASE + 0x100000000ull;   /* the root's own mappings */

struct msgbuf { size_t len; };

static void msg_out(void *ctx, char c)
{
	struct msgbuf *b = ctx;
	if (b->len + 1 < sizeof fail_msg)
		fail_msg[b->len++] = c;
}

void t_fail(const char *file, int line, const char *fmt, ...)
{
	if (failed)
		return;
	failed = true;
	const char *base = file;
	for (const char *p = file; *p; p++)
		if (*p == '/')
			base = p + 1;
	size_t n = fmt_snprintf(fail_msg, sizeof fail_msg, "%s:%d: ", base, line);
	struct msgbuf b = { .len = n < sizeof fail_msg ? n : sizeof fail_msg - 1 };
	va_list ap;
	va_start(ap, fmt);
	fmt_vformat(msg_out, &b, fmt, ap);
	va_end(ap);
	fail_msg[b.len] = '\0';
}

bool t_failed(void) { return failed; }

unsigned t_ncpus(void) { return cpu_count; }

bool t_need_cpus(unsigned n)
{
	if (cpu_count >= n)
		return true;
	skipped_needs = n;
	return false;
}

void t_on_cpu(const struct child *c, unsigned cpu)
{
	T_OK(sys_set_cpu(c->task, cpu));
}

uint64_t t_slot(void)
{
	for (uint64_t s = first_slot; s < CSPACE_SLOTS; s++) {
		if (slot_taken >> s & 1)
			continue;
		/* Free in the cspace too?  Deleting an empty slot says so. */
		if (sys_cap_delete(s) != IPC_E_EMPTY) {
			t_fail(__FILE__, __LINE__, "root slot %lu was not empty", s);
			continue;
		}
		slot_taken |= 1ull << s;
		return s;
	}
	t_fail(__FILE__, __LINE__, "the root's cspace is full");
	return 0;
}

void t_slot_free(uint64_t slot)
{
	if (slot && slot < CSPACE_SLOTS && (slot_taken >> slot & 1)) {
		sys_cap_delete(slot);
		slot_taken &= ~(1ull << slot);
	}
}

static void t_cleanup(void)
{
	for (uint64_t s = first_slot; s < CSPACE_SLOTS; s++)
		t_slot_free(s);
}

uint64_t t_ntfn(void)
{
	uint64_t s = t_slot();
	T_OK(sys_create(ROOT_SLOT_CTRL, CAP_NTFN, s, 0));
	return s;
}

uint64_t t_ep(void)
{
	uint64_t s = t_slot();
	T_OK(sys_create(ROOT_SLOT_CTRL, CAP_EP, s, 0));
	return s;
}

uint64_t t_frame(unsigned npages)
{
	uint64_t s = t_slot();
	T_OK(sys_create(ROOT_SLOT_CTRL, CAP_FRAME, s, npages));
	return s;
}

uint64_t t_mint(uint64_t src, unsigned rights, uint64_t badge)
{
	uint64_t s = t_slot();
	T_OK(sys_cap_copy(ROOT_SLOT_TASK, src, s, rights, badge));
	return s;
}

void *t_map_root(uint64_t frame, unsigned npages, unsigned rights)
{
	uint64_t va = root_va;
	root_va += (uint64_t)(npages + 1) * PAGE_SIZE;   /* a hole between mappings */
	T_OK(sys_map(frame, ROOT_SLOT_TASK, va, rights));
	return (void *)(uintptr_t)va;
}

bool t_child(struct child *c, void (*entry)(uint64_t), uint64_t arg, unsigned prio, const char *name)
{
	c->task = t_slot();
	c->end = t_slot();
	int64_t e1 = sys_task_create(ROOT_SLOT_CTRL, c->task, entry, arg, prio, name);
	T_ERR(e1, IPC_OK);
	T_OK(sys_create(ROOT_SLOT_CTRL, CAP_NTFN, c->end, 0));
	T_OK(sys_bound_ntfn(c->task, c->end, 1));
	return e1 == IPC_OK;
}

void t_give(const struct child *c, uint64_t src, uint64_t dest, unsigned rights, uint64_t badge)
{
	T_OK(sys_cap_copy(c->task, src, dest, rights, badge));
}

void t_map_child(const struct child *c, uint64_t frame, uint64_t va, unsigned rights)
{
	T_OK(sys_map(frame, c->task, va, rights));
}

void t_start(const struct child *c) { T_OK(sys_start(c->task)); }

uint64_t t_join(const struct child *c)
{
	struct sysret r = sys_wait(c->end);
	T_ERR(r.err, IPC_OK);
	r = sys_status(c->task);
	T_ERR(r.err, IPC_OK);
	return r.v;
}

void t_join_ok(const struct child *c, const char *what)
{
	uint64_t st = t_join(c);
	if (st != STATUS(TS_EXITED, 0))
		t_fail(__FILE__, __LINE__, "%s ended with state %lu code %lu%s", what, st & 0xff, st >> 8,
		       (st & 0xff) == TS_EXITED ? " (the child's failing line)" : "");
}

static void settle_probe(uint64_t arg) { sys_exit((int64_t)arg); }

void t_settle(unsigned prio) { t_settle_on(0, prio); }

void t_settle_on(unsigned cpu, unsigned prio)
{
	struct child p;
	if (!t_child(&p, settle_probe, 0, prio, "settle"))
		return;
	if (cpu)
		t_on_cpu(&p, cpu);
	t_start(&p);
	t_join_ok(&p, "settle probe");
	t_slot_free(p.task);
	t_slot_free(p.end);
}

/* ---- the table --------------------------------------------------------- */

static const struct test tests[] = {
	/* issue 2: faults stop the faulting task only */
	{ .name = "fault_data_unmapped",  .fn = test_fault_data_unmapped },
	{ .name = "fault_data_kernel",    .fn = test_fault_data_kernel },
	{ .name = "fault_write_kernel",   .fn = test_fault_write_kernel },
	{ .name = "fault_instr_unmapped", .fn = test_fault_instr_unmapped },
	{ .name = "fault_instr_data",     .fn = test_fault_instr_data },
	{ .name = "fault_undef",          .fn = test_fault_undef },
	{ .name = "fault_fp",             .fn = test_fault_fp },
	{ .name = "fault_sysreg",         .fn = test_fault_sysreg },
	{ .name = "fault_other",          .fn = test_fault_other },
	{ .name = "fault_align_data",     .fn = test_fault_align_data },
	{ .name = "fault_align_pc",       .fn = test_fault_align_pc },
	{ .name = "fault_align_sp",       .fn = test_fault_align_sp },
	{ .name = "fault_stack_overflow", .fn = test_fault_stack_overflow },
	{ .name = "fault_write_code",     .fn = test_fault_write_code },
	{ .name = "fault_write_ro_frame", .fn = test_fault_write_ro_frame },
	{ .name = "fault_thread_sibling", .fn = test_fault_thread_sibling },
	{ .name = "fault_unstarted_sibling", .fn = test_fault_unstarted_sibling },
	{ .name = "exec_never",           .fn = test_exec_never },
	/* issue 2: scheduling */
	{ .name = "prio_strict",          .fn = test_prio_strict },
	{ .name = "prio_no_starvation",   .fn = test_prio_no_starvation },
	{ .name = "equal_prio_share",     .fn = test_equal_prio_share },
	{ .name = "stop",                 .fn = test_stop },
	/* issue 2: isolation */
	{ .name = "isolation_private",    .fn = test_isolation_private },
	{ .name = "isolation_other_map",  .fn = test_isolation_other_map },
	/* issue 2: syscall errors */
	{ .name = "err_nosys",            .fn = test_err_nosys },
	{ .name = "regs_scrubbed",        .fn = test_regs_scrubbed },
	{ .name = "err_slots",            .fn = test_err_slots },
	{ .name = "err_rights",           .fn = test_err_rights },
	{ .name = "err_create",           .fn = test_err_create },
	{ .name = "err_task_create",      .fn = test_err_task_create },
	{ .name = "err_puts",             .fn = test_err_puts },
	{ .name = "err_cap_copy",         .fn = test_err_cap_copy },
	{ .name = "err_start_status",     .fn = test_err_start_status },
	{ .name = "err_msg",              .fn = test_err_msg },
	{ .name = "err_shutdown",         .fn = test_err_shutdown },
	/* issue 3: notifications */
	{ .name = "ntfn_coalesce",        .fn = test_ntfn_coalesce },
	{ .name = "ntfn_poll_peek",       .fn = test_ntfn_poll_peek },
	{ .name = "ntfn_fifo",            .fn = test_ntfn_fifo },
	{ .name = "ntfn_wake_higher",     .fn = test_ntfn_wake_higher },
	{ .name = "ntfn_wake_lower",      .fn = test_ntfn_wake_lower },
	{ .name = "ntfn_badge_mint",      .fn = test_ntfn_badge_mint },
	{ .name = "ntfn_rights",          .fn = test_ntfn_rights },
	/* issue 3: endpoints */
	{ .name = "ep_call_sizes",        .fn = test_ep_call_sizes },
	{ .name = "ep_reply_only_caller", .fn = test_ep_reply_only_caller },
	{ .name = "ep_noreply_wouldblock", .fn = test_ep_noreply_wouldblock },
	{ .name = "ep_reply",             .fn = test_ep_reply },
	{ .name = "ep_abandoned_caller",  .fn = test_ep_abandoned_caller },
	{ .name = "ep_badge",             .fn = test_ep_badge },
	{ .name = "ep_grant",             .fn = test_ep_grant },
	{ .name = "ep_grant_denied",      .fn = test_ep_grant_denied },
	{ .name = "no_cap_no_access",     .fn = test_no_cap_no_access },
	/* issue 11: reply routing with callers queued, long messages on the general path */
	{ .name = "ep_routing_queued",    .fn = test_ep_routing_queued },
	{ .name = "ep_routing_reverse",   .fn = test_ep_routing_reverse },
	{ .name = "ep_long_slow",         .fn = test_ep_long_slow },
	/* review: a caller woken mid-operation preempts its lower server */
	{ .name = "preempt_reply_recv_queued", .fn = test_preempt_reply_recv_queued },
	{ .name = "preempt_abandon_queued",    .fn = test_preempt_abandon_queued },
	/* issue 3: frames */
	{ .name = "frame_shared",         .fn = test_frame_shared },
	{ .name = "frame_map_errors",     .fn = test_frame_map_errors },
	{ .name = "pool_exhaustion",      .fn = test_pool_exhaustion },
	{ .name = "task_unstarted_freed", .fn = test_task_unstarted_freed },
	/* issue 11: a thread capability outliving its task, every order */
	{ .name = "life_exit_task_cap_first",   .fn = test_life_exit_task_cap_first },
	{ .name = "life_exit_thread_cap_first", .fn = test_life_exit_thread_cap_first },
	{ .name = "life_stop_task_cap_first",   .fn = test_life_stop_task_cap_first },
	{ .name = "life_stop_thread_cap_first", .fn = test_life_stop_thread_cap_first },
	/* issue 14: objects and threads that go while others depend on them */
	{ .name = "ep_deleted_waiting",   .fn = test_ep_deleted_waiting },
	{ .name = "ntfn_deleted_waiting", .fn = test_ntfn_deleted_waiting },
	{ .name = "ep_caller_stopped",    .fn = test_ep_caller_stopped },
	{ .name = "thread_unstarted_deleted", .fn = test_thread_unstarted_deleted },
	{ .name = "bound_ntfn_rebind",    .fn = test_bound_ntfn_rebind },
	{ .name = "task_create_no_thread", .fn = test_task_create_no_thread },
	/* issue 13: several CPUs (skipped on one) */
	{ .name = "smp_placement",        .fn = test_smp_placement },
	{ .name = "smp_ntfn",             .fn = test_smp_ntfn },
	{ .name = "smp_call",             .fn = test_smp_call },
	{ .name = "smp_grant",            .fn = test_smp_grant },
	{ .name = "smp_fault",            .fn = test_smp_fault },
	{ .name = "smp_stop_exit",        .fn = test_smp_stop_exit },
	{ .name = "smp_clock",            .fn = test_smp_clock },
	{ .name = "smp_stop_kick",        .fn = test_smp_stop_kick },
	{ .name = "smp_set_cpu_queued",   .fn = test_smp_set_cpu_queued },
	/* issue 3: the fuzzer, last: everything must still hold after it */
	{ .name = "fuzz",                 .fn = test_fuzz },
	{ .name = "fuzz_seed2",           .fn = test_fuzz_seed2 },
	{ .name = "smp_fuzz",             .fn = test_fuzz_smp },
};

/* test=<name> runs that test; test=<prefix>* every test whose name
 * starts so (test=smp_* the SMP tests). */
static bool name_matches(const char *pattern, const char *name)
{
	size_t n = strlen(pattern);
	if (n && pattern[n - 1] == '*')
		return strncmp(pattern, name, n - 1) == 0;
	return strcmp(pattern, name) == 0;
}

enum ipclab_exit run_tests(const struct bootinfo *bi, const char *only)
{
	if (!only[0])
		only = NULL;
	first_slot = bi->first_free_slot;
	cpu_count = (unsigned)bi->ncpus;
	if (sys_cpu_count() != cpu_count || sys_cpu_self() != 0) {
		uprintf("[test] boot info says %u CPUs, SYS_CPU_INFO %u, the root runs on CPU %u\n",
		        cpu_count, sys_cpu_count(), sys_cpu_self());
		return IPCLAB_EXIT_FAILED;
	}
	uprintf("[test] %u CPU%s\n", cpu_count, cpu_count == 1 ? "" : "s");
	unsigned passed = 0, nfailed = 0, ran = 0, nskipped = 0;
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		const struct test *t = &tests[i];
		if (only && !name_matches(only, t->name))
			continue;
		ran++;
		failed = false;
		skipped_needs = 0;
		slot_taken = 0;
		t->fn();
		t_cleanup();
		struct sysret sc = sys_selfcheck(ROOT_SLOT_CTRL);
		if (sc.err != IPC_OK || sc.v != 0)
			t_fail(__FILE__, __LINE__, "after the test: SYS_SELFCHECK gave %ld, %lu broken invariants",
			       sc.err, sc.v);
		if (failed) {
			uprintf("[test] %s ... FAILED: %s\n", t->name, fail_msg);
			nfailed++;
		} else if (skipped_needs) {
			uprintf("[test] %s ... skipped: needs %u CPUs\n", t->name, skipped_needs);
			nskipped++;
		} else {
			uprintf("[test] %s ... ok\n", t->name);
			passed++;
		}
	}
	if (only && !ran) {
		uprintf("[test] no test named '%s'\n", only);
		return IPCLAB_EXIT_ARGS;
	}
	if (nskipped)
		uprintf("[test] %u skipped for want of CPUs\n", nskipped);
	uprintf("%u passed, %u failed\n", passed, nfailed);
	return nfailed ? IPCLAB_EXIT_FAILED : IPCLAB_EXIT_OK;
}
