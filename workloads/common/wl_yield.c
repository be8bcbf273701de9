/*
 * yield: one switch between two threads of equal priority on one CPU, each
 * yielding to the other.  virt: two threads of the root task (SYS_YIELD);
 * Linux: two processes pinned to one CPU (sched_yield; placement=same
 * only).  A sample runs from the count the yielding side stores just
 * before its syscall to the count the other side reads just after its own
 * syscall returns (wl_rt_timed_yield), less that sequence without the
 * syscall.  The partner counts its turns: a yield that came back without
 * the partner having run is no switch and no sample (Linux's sched_yield
 * may keep the CPU: CFS picks the caller again when the other's virtual
 * runtime is larger); the root yields again, up to RETRIES times in a row,
 * then fails the run.  The ipclab kernel switches every time, and so does
 * linux-virt's runtime, which makes both processes SCHED_FIFO at one
 * priority (WL_RT_HANDOVER).
 */
#include "wl_rt.h"
#include "wl_shared.h"

#define RETRIES 1000

struct yctl {
	volatile uint64_t start[2];   /* the count before each side's last yield */
	volatile uint64_t turns;      /* yields the partner began */
	volatile uint64_t stop;       /* the root has its samples */
};

static void partner(void *shared, unsigned id)
{
	struct yctl *c = shared;
	(void)id;
	for (uint64_t i = 0; !c->stop; i++) {
		c->turns = i + 1;
		wl_rt_timed_yield(&c->start[1]);
	}
}

static int run(const struct wl_args *a)
{
	if (wl_rt_begin(a, WL_RT_START))
		return 1;
	/* One more than asked: the first switch finds the partner not yet started. */
	uint64_t n = (uint64_t)wl_get(a, "iterations"), w = (uint64_t)wl_get(a, "warmup") + 1;
	int64_t *s = wl_rt_samples(n);
	struct yctl *c = wl_rt_shared(sizeof *c);
	if (!s || !c)
		return 1;
	if (!wl_rt_one_cpu(a))
		return wl_rt_fail("yield measures a switch: both sides must share a CPU (placement=same)");
	if (wl_rt_spawn(partner, 1, WL_RT_PEER, WL_RT_THREAD | WL_RT_HANDOVER, "yield") || wl_rt_start())
		return 1;
	for (uint64_t i = 0; i < n + w; i++) {
		uint64_t before = c->turns, t1;
		unsigned k = 0;
		do
			t1 = wl_rt_timed_yield(&c->start[0]);
		while (c->turns == before && ++k < RETRIES);
		if (k == RETRIES) {
			c->stop = 1;
			return wl_rt_fail("yield: %u yields in a row returned without the partner running",
			                  RETRIES);
		}
		if (i >= w)
			s[i - w] = wl_rt_sample(c->start[1], t1);
	}
	/* The partner sees this when it next runs (Linux: the root waits for
	 * its exit in wl_rt_finish; virt: it never runs again). */
	c->stop = 1;
	if (wl_rt_finish())
		return 1;
	return wl_rt_frame(a, "yield", 1, s, n);
}

static const struct wl_param params[] = { WL_RT_PARAMS(1000, 100, 0) };

const struct wl_desc wl_yield = {
	.name = "yield", .summary = "one switch between two threads of equal priority",
	.params = params, .nparams = sizeof params / sizeof params[0], .run = run,
};
