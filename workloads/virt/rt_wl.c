/*
 * The ipclab runtime of the shared workloads (workloads/common/wl_rt.h):
 * tasks are ipclab tasks (or threads of the root) created by the root,
 * the shared region is virt.h's (mapped at ROOT_SHARED_VA in the root and
 * TASK_SHARED_VA in the tasks), notifications are ipclab notifications
 * (the root's slots, copied to WSLOT_NTFN0.. of each task), the counter is
 * PMCCNTR_EL0 and the stream goes to the console (env.c).
 *
 * Placement (virt.h): wl_rt_start puts the i-th declared task on
 * wl_cpu_of(i) (with placement=cross, CPU (1 + i) mod cpus) before it
 * starts any; the root stays on CPU 0.
 *
 * The region's first page is the runtime's: a task's failure message.  A
 * task starts in task_start(), which records who it is in its own globals
 * (each task has private data) and tail-calls the workload's entry, so
 * the task's last return is the entry's own (no frame of the runtime's
 * runs when the task ends, inside someone else's measurement).
 */
#include "lib/fmt.h"
#include "virt.h"
#include "wl_rt.h"

#define RT_PAGE PAGE_SIZE

struct rt_hdr {
	volatile uint64_t failed;
	char msg[256];
	void (*entry[WL_RT_TASKS])(void *, unsigned);
	unsigned id[WL_RT_TASKS];
};
_Static_assert(sizeof(struct rt_hdr) <= RT_PAGE, "the runtime's page");

int64_t wl_rt_overhead_ticks;

static uint64_t ntfn_slot[WL_RT_NTFNS];   /* the root's */
static unsigned nntfn;

struct decl {
	void (*entry)(void *, unsigned);
	unsigned id, flags;
	enum wl_rt_rank rank;
	const char *name;
	uint64_t slot;
};
static struct decl decls[WL_RT_TASKS];
static unsigned ndecl;
static const struct wl_args *run_args;

/* In a task (its own copy of these): who it is. */
static bool in_task;
static struct rt_hdr *task_hdr;

static uint64_t overhead_reads(void)
{
	uint64_t t0 = wl_rt_count_start();
	uint64_t t1 = wl_rt_count_stop();
	return t1 - t0;
}

static uint64_t overhead_null(void)
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

int wl_rt_begin(const struct wl_args *a, enum wl_rt_window w)
{
	static uint64_t (*const fns[])(void) = {
		[WL_RT_READS] = overhead_reads, [WL_RT_NULL] = overhead_null,
		[WL_RT_START] = overhead_start,
	};
	ndecl = nntfn = 0;
	run_args = a;
	wl_rt_overhead_ticks = 0;
	if (w == WL_RT_NONE)
		return 0;
	int64_t ov = measure_overhead(a, fns[w]);
	if (ov < 0)
		return 1;
	wl_rt_overhead_ticks = ov;
	return 0;
}

void *wl_rt_shared(size_t len)
{
	if (len > SHARED_PAGES * PAGE_SIZE - RT_PAGE) {
		wl_rt_fail("a shared region of %lu bytes: the ipclab runtime has %lu",
		           (unsigned long)len, (unsigned long)(SHARED_PAGES * PAGE_SIZE - RT_PAGE));
		return NULL;
	}
	unsigned char *m = shared_root();
	memset(m, 0, RT_PAGE + len);
	return m + RT_PAGE;
}

int wl_rt_ntfns(unsigned n)
{
	if (n > WL_RT_NTFNS)
		return wl_rt_fail("%u notifications: the runtime has %u", n, WL_RT_NTFNS);
	for (unsigned k = nntfn; k < n; k++)
		ntfn_slot[k] = root_create(CAP_NTFN, 0);
	nntfn = n > nntfn ? n : nntfn;
	return 0;
}

/* A task's first function: arg is its view of the region + its index in
 * the header's table (the task's own data is not the root's). */
static void task_start(uint64_t arg)
{
	struct rt_hdr *h = (struct rt_hdr *)(uintptr_t)(arg & ~(uint64_t)(RT_PAGE - 1));
	unsigned i = (unsigned)(arg & (RT_PAGE - 1));
	in_task = true;
	task_hdr = h;
	h->entry[i]((unsigned char *)h + RT_PAGE, h->id[i]);   /* a tail call */
}

static void thread_start(uint64_t arg)
{
	const struct decl *d = &decls[arg];
	d->entry((unsigned char *)shared_root() + RT_PAGE, d->id);
}

int wl_rt_spawn(void (*entry)(void *shared, unsigned id), unsigned id, enum wl_rt_rank rank,
                unsigned flags, const char *name)
{
	if (ndecl >= WL_RT_TASKS)
		return wl_rt_fail("task %s: the runtime runs %u tasks", name, WL_RT_TASKS);
	decls[ndecl] = (struct decl){ entry, id, flags, rank, name, 0 };
	ndecl++;
	return 0;
}

static unsigned prio_of(enum wl_rt_rank r)
{
	return r == WL_RT_PEER ? ROOT_PRIO : r == WL_RT_ABOVE ? 150 : 100;
}

int wl_rt_start(void)
{
	uint64_t slots[4] = { 0 };
	struct rt_hdr *h = shared_root();
	for (unsigned k = 0; k < nntfn; k++)
		slots[k] = ntfn_slot[k];
	/* All created first, then started in declaration order. */
	for (unsigned i = 0; i < ndecl; i++) {
		struct decl *d = &decls[i];
		h->entry[i] = d->entry;
		h->id[i] = d->id;
		if (d->flags & WL_RT_THREAD)
			d->slot = spawn_thread(thread_start, i, prio_of(d->rank));
		else
			d->slot = spawn_task(task_start, i, prio_of(d->rank), d->name, slots);
		wl_place(d->slot, wl_cpu_of(run_args, i));
	}
	for (unsigned i = 0; i < ndecl; i++) {
		int64_t e = sys_start(decls[i].slot);
		if (e)
			return wl_rt_fail("start task %s: %s", decls[i].name, uerrname(e));
	}
	return 0;
}

int wl_rt_finish(void)
{
	struct rt_hdr *h = shared_root();
	if (h->failed)
		return wl_fail("%s", h->msg);
	return 0;
}

void wl_rt_signal(unsigned k)
{
	sys_signal(in_task ? WSLOT_NTFN0 + k : ntfn_slot[k], 1);
}

void wl_rt_wait(unsigned k)
{
	sys_wait(in_task ? WSLOT_NTFN0 + k : ntfn_slot[k]);
}

/* ctx is the slot number itself: the signal in a measured window is one
 * syscall and nothing else. */
static void ntfn_sig(void *ctx) { sys_signal((uint64_t)(uintptr_t)ctx, 1); }
static void ntfn_wait(void *ctx) { sys_wait((uint64_t)(uintptr_t)ctx); }

struct ring_waker wl_rt_waker(unsigned k)
{
	uint64_t slot = in_task ? WSLOT_NTFN0 + k : ntfn_slot[k];
	return (struct ring_waker){ ntfn_sig, ntfn_wait, (void *)(uintptr_t)slot };
}

enum wl_rt_fault wl_rt_fault(uint64_t *at)
{
	*at = 0;
	return WL_RT_FAULT_NONE;
}

int wl_rt_fail(const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!in_task) {
		stream_error(&wl_out, msg);
		return 1;
	}
	if (!task_hdr->failed) {
		memcpy(task_hdr->msg, msg, sizeof msg);
		task_hdr->failed = 1;
	}
	return 1;
}

int wl_rt_frame(const struct wl_args *a, const char *metric, int64_t per, const int64_t *samples,
                uint64_t n)
{
	emit_frame(a, metric, wl_rt_overhead_ticks, per, samples, n);
	return 0;
}

int64_t *wl_rt_samples(uint64_t n)
{
	if (n > MAX_SAMPLES) {
		wl_rt_fail("%lu samples: the ipclab runtime keeps %u", (unsigned long)n, MAX_SAMPLES);
		return NULL;
	}
	return wl_samples;
}
