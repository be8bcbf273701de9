/*
 * The Linux runtime of the shared workloads (workloads/common/wl_rt.h), on
 * the parts of rt.h: the root is the parent process, the one task a child
 * forked by rt_pair (pinned by `placement`, ended with the run when it
 * fails, watched by the watchdog); the shared region is rt_pair's memfd
 * mapping (the same address in both); notifications are futex words in
 * that region or eventfds (`waker`), through ipc/linux's ring wakers; the
 * counter is rt_timer's; failures are rt_fail's (the child's reach the
 * parent through the region, rt_pair.c).
 *
 * Tasks: rt_pair forks one child, the first task; it forks the others
 * (up to WL_RT_TASKS in all) before it meets the root, each dying with it
 * (PR_SET_PDEATHSIG) and pinned to the root's CPU (placement=cross: the
 * first task has the other CPU; the root's is idle while it waits), and
 * after its own entry returns it waits for them: one that failed fails the
 * first task, so rt_pair's handler ends the run with the message (every
 * task's rt_fail goes to the one buffer rt_pair gives the child).  Ranks
 * mean nothing here (no priorities: placement decides).
 * WL_RT_HANDOVER (yield): built for linux-virt, the root takes SCHED_FIFO at
 * priority 1 before it forks, so every task has that one priority and
 * sched_yield hands the CPU over at every call, as the ipclab kernel's
 * equal-priority yield does (SCHED_OTHER's may keep it: CFS only marks the
 * caller skip-buddy).  Natively the processes stay SCHED_OTHER (SCHED_FIFO
 * needs privilege) and the workload's retry covers a yield without a switch.
 * perf counters cover the exchange from the start of the task to its end,
 * warm-up included (INFO lines after the frame).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../ipc/linux/ring_linux.h"
#include "../common/wl_rt.h"
#include "pingpong.h"

struct rt_timer wl_rt_timer;

/* The ntfn words, each on its own line, before the workload's part. */
#define NTFN_AREA (WL_RT_NTFNS * RT_LINE)

static struct {
	const struct wl_args *a;
	bool have_pair, started, perf_open, info_done, handover, fifo;
	struct rt_pair pair;
	struct rt_perf perf;
	int efd[WL_RT_NTFNS];
	struct ring_waker w[WL_RT_NTFNS];
	unsigned nntfn;
	struct {
		void (*entry)(void *, unsigned);
		unsigned id;
	} task[WL_RT_TASKS];
	unsigned ntasks;
	int64_t *samples;
} rt;

int wl_rt_begin(const struct wl_args *a, enum wl_rt_window w)
{
	(void)w; /* every window costs the timer's two reads here */
	wl_rt_end();
	rt.a = a;
	return rt_timer_init(&wl_rt_timer, (enum rt_timer_kind)wl_get(a, "timer")) != 0;
}

void *wl_rt_shared(size_t len)
{
	if (rt.have_pair) {
		rt_fail("wl_rt_shared: one shared region a run");
		return NULL;
	}
	if (rt_pair_init(&rt.pair, NTFN_AREA + len, (int)wl_get(rt.a, "placement")) != 0)
		return NULL;
	rt.have_pair = true;
	return (char *)rt.pair.area + NTFN_AREA;
}

int wl_rt_ntfns(unsigned n)
{
	bool efd = wl_get(rt.a, "waker") == 1;

	if (!rt.have_pair)
		return wl_rt_fail("wl_rt_ntfns: the shared region first (the futex words live there)");
	if (n > WL_RT_NTFNS)
		return wl_rt_fail("%u notifications: the runtime has %u", n, WL_RT_NTFNS);
	for (unsigned k = 0; k < n; k++)
		rt.efd[k] = -1;
	rt.nntfn = n;
	for (unsigned k = 0; k < n; k++) {
		if (efd) {
			/* created before the fork: both processes hold it */
			if ((rt.efd[k] = ring_eventfd_open()) < 0)
				return wl_rt_fail("eventfd: %s", strerror(errno));
			ring_waker_eventfd(&rt.w[k], rt.efd[k]);
		} else {
			ring_waker_futex(&rt.w[k],
					 (_Atomic uint32_t *)(void *)((char *)rt.pair.area + k * RT_LINE));
		}
	}
	return 0;
}

int wl_rt_spawn(void (*entry)(void *shared, unsigned id), unsigned id, enum wl_rt_rank rank,
		unsigned flags, const char *name)
{
	(void)rank;
	/* WL_RT_THREAD: no thread runtime, a task is a process either way. */
	if (flags & WL_RT_HANDOVER)
		rt.handover = true;
	if (rt.ntasks >= WL_RT_TASKS)
		return wl_rt_fail("task %s: the runtime runs %u tasks", name, WL_RT_TASKS);
	if (!rt.have_pair)
		return wl_rt_fail("task %s: the shared region first", name);
	rt.task[rt.ntasks].entry = entry;
	rt.task[rt.ntasks].id = id;
	rt.ntasks++;
	return 0;
}

/* In the child: start the other tasks, meet the root (both are running
 * before either measures), run the first task, then wait for the others;
 * the failure is whatever a task gave wl_rt_fail, or how one ended. */
static int child(struct rt_pair *pair, void *arg)
{
	void *view = (char *)pair->area + NTFN_AREA;
	pid_t pid[WL_RT_TASKS];

	(void)arg;
	for (unsigned i = 1; i < rt.ntasks; i++) {
		pid[i] = fork();
		if (pid[i] < 0) {
			rt_fail("fork of task %u: %s", i, strerror(errno));
			return -1;
		}
		if (pid[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (ipc_pin_cpu(pair->cpu[0]) != 0) {
				rt_fail("pinning task %u to CPU %d: %s", i, pair->cpu[0], strerror(errno));
				_exit(RT_EXIT_RUN_FAILED);
			}
			rt.task[i].entry(view, rt.task[i].id);
			_exit(rt_failed() ? RT_EXIT_RUN_FAILED : RT_EXIT_OK);
		}
	}
	rt_pair_barrier(pair);
	rt.task[0].entry(view, rt.task[0].id);
	for (unsigned i = 1; i < rt.ntasks; i++) {
		int status;
		if (waitpid(pid[i], &status, 0) != pid[i])
			rt_fail("waitpid of task %u: %s", i, strerror(errno));
		else if (!rt_failed() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			rt_fail("task %u ended with status 0x%x", i, status);
	}
	return rt_failed() ? -1 : 0;
}

int wl_rt_start(void)
{
	uint64_t n = (uint64_t)wl_get(rt.a, "iterations") + (uint64_t)wl_get(rt.a, "warmup");

	if (!rt.have_pair)
		return wl_rt_fail("wl_rt_start: no shared region");
	rt_info_host(&rt.pair, &wl_rt_timer);
	rt.info_done = true;
	if (rt.ntasks == 0)
		return 0;
	if (rt.handover && rt_linux_virt()) {
		struct sched_param sp = { .sched_priority = 1 };

		/* inherited by every task forked from here on */
		if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
			return wl_rt_fail("sched_setscheduler(SCHED_FIFO, 1): %s", strerror(errno));
		rt.fifo = true;
	}
	if (rt.handover) {
		/* what the tasks inherit: the policy the yields run under */
		int pol = sched_getscheduler(0);
		stream_info(&rt_out, pol == SCHED_FIFO ? "sched=fifo" :
				     pol == SCHED_OTHER ? "sched=other" : "sched=unknown");
	}
	rt_perf_open(&rt.perf);
	rt.perf_open = true;
	if (rt_pair_start(&rt.pair, child, NULL, pp_timeout_s(n)) != 0)
		return 1;
	rt.started = true;
	rt_pair_barrier(&rt.pair);
	rt_perf_enable(&rt.perf);
	return 0;
}

int wl_rt_finish(void)
{
	if (!rt.started)
		return 0;
	rt.started = false;
	rt_perf_disable(&rt.perf);
	return rt_pair_finish(&rt.pair) != 0;
}

void wl_rt_signal(unsigned k)
{
	rt.w[k].signal(rt.w[k].ctx);
}

void wl_rt_wait(unsigned k)
{
	rt.w[k].wait(rt.w[k].ctx);
}

struct ring_waker wl_rt_waker(unsigned k)
{
	return rt.w[k];
}

enum wl_rt_fault wl_rt_fault(uint64_t *at)
{
	struct msg_debug d;
	char why[256];

	*at = 0;
	if (msg_debug_from_env(&d, why, sizeof(why)) != 0) {
		rt_fail("%s", why);
		return WL_RT_FAULT_NONE;
	}
	*at = d.at;
	switch (d.fault) {
	case MSG_FAULT_REQ: return WL_RT_FAULT_REQ;
	case MSG_FAULT_REP: return WL_RT_FAULT_REP;
	case MSG_FAULT_SEQ: return WL_RT_FAULT_SEQ;
	case MSG_FAULT_DROP: return WL_RT_FAULT_DROP;
	default: return WL_RT_FAULT_NONE;
	}
}

int wl_rt_fail(const char *fmt, ...)
{
	char msg[RT_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rt_fail("%s", msg);
	return 1;
}

int wl_rt_frame(const struct wl_args *a, const char *metric, int64_t per, const int64_t *samples,
		uint64_t n)
{
	char kv[1024];

	if (!rt.info_done) {
		/* A workload without tasks (null_syscall): the host, and the one
		 * CPU it ran on as both ping_cpu and pong_cpu. */
		struct rt_pair one = { .cpu = { sched_getcpu(), sched_getcpu() }, .same = true };
		rt_info_host(&one, &wl_rt_timer);
		rt.info_done = true;
	}
	if (!rt_frame_kv(a, metric, &wl_rt_timer, per, kv, sizeof(kv)))
		return wl_rt_fail("the header of frame %s does not fit %zu bytes", metric, sizeof(kv));
	stream_frame(&rt_out, kv, samples, n);
	return 0;
}

int64_t *wl_rt_samples(uint64_t n)
{
	free(rt.samples);
	/* calloc and touch: no page fault later, in a measurement */
	rt.samples = calloc(n, sizeof(*rt.samples));
	if (rt.samples == NULL) {
		rt_fail("out of memory for %llu samples", (unsigned long long)n);
		return NULL;
	}
	memset(rt.samples, 0, n * sizeof(*rt.samples));
	return rt.samples;
}

void wl_rt_end(void)
{
	if (rt.started) {
		rt_pair_abort(&rt.pair);
		rt.started = false;
	}
	if (rt.perf_open)
		rt_perf_report(&rt.perf);
	if (rt.have_pair)
		rt_pair_free(&rt.pair);
	for (unsigned k = 0; k < rt.nntfn; k++)
		if (rt.efd[k] >= 0)
			close(rt.efd[k]);
	free(rt.samples);
	if (rt.fifo) {
		struct sched_param sp = { .sched_priority = 0 };
		sched_setscheduler(0, SCHED_OTHER, &sp);
	}
	memset(&rt, 0, sizeof(rt));
}
