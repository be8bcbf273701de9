/*
 * The fake runtime of the shared workloads' unit tests (wl_rt.h): one CPU,
 * scheduled the way the ipclab kernel schedules threads of one priority
 * without a tick: the running thread keeps the CPU until it waits on a
 * notification that is not pending, yields, or ends; then the first ready
 * thread runs (FIFO).  A signal makes its waiter ready and does not
 * switch.  Root and tasks are POSIX threads of which exactly one runs at a
 * time, so a run is deterministic, counter included.  The shared region is
 * one memfd mapped twice, the root seeing one mapping and the tasks the
 * other (a pointer stored in it would be wrong, as on virt).  Every thread
 * waiting with none ready is a deadlock: the run fails by name.  Frames and
 * the first failure are recorded for the tests (fake_rt.h).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fake_rt.h"


const char *const fake_placements[] = { "same", "cross", NULL };
struct fake fake;
struct fake_out fake_out;

enum { T_READY, T_RUN, T_WAIT, T_JOIN, T_DONE };

static struct {
	unsigned char *root_view, *task_view;
	size_t len;
	bool pending[WL_RT_NTFNS];
	uint64_t waits[WL_RT_NTFNS];
	unsigned nntfn;
	struct {
		void (*entry)(void *, unsigned);
		unsigned id;
		pthread_t th;
	} task[WL_RT_TASKS];
	unsigned ntask;
	bool started, teardown, deadlock;
	/* the CPU: thread 0 is the root, 1.. the tasks */
	int state[WL_RT_TASKS + 1], wait_on[WL_RT_TASKS + 1], cur;
	int queue[WL_RT_TASKS + 1], qlen;
	char task_err[256];
	int64_t samples[5000 + 100];
} rt;

static pthread_mutex_t cpu_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cpu_c = PTHREAD_COND_INITIALIZER;
static __thread int me;   /* 0 the root, 1.. a task */
static pthread_mutex_t err_m = PTHREAD_MUTEX_INITIALIZER;

static void make_ready(int t)
{
	rt.state[t] = T_READY;
	rt.queue[rt.qlen++] = t;
}

/* With cpu_m held: give the CPU to the first ready thread. */
static void hand_off(void)
{
	if (rt.qlen == 0) {
		rt.deadlock = true;   /* nobody can run: everyone is released */
		rt.teardown = true;
		pthread_cond_broadcast(&cpu_c);
		return;
	}
	rt.cur = rt.queue[0];
	memmove(rt.queue, rt.queue + 1, (size_t)--rt.qlen * sizeof rt.queue[0]);
	rt.state[rt.cur] = T_RUN;
	pthread_cond_broadcast(&cpu_c);
}

/* ... and wait until this one runs again (or the run is torn down). */
static void switch_away(void)
{
	hand_off();
	while (rt.cur != me && !rt.teardown)
		pthread_cond_wait(&cpu_c, &cpu_m);
}

void fake_reset(void)
{
	pthread_mutex_lock(&cpu_m);
	rt.teardown = true;   /* threads left waiting by a failed run finish freely */
	pthread_cond_broadcast(&cpu_c);
	pthread_mutex_unlock(&cpu_m);
	if (rt.started)
		for (unsigned i = 0; i < rt.ntask; i++)
			pthread_join(rt.task[i].th, NULL);
	if (rt.root_view) {
		munmap(rt.root_view, rt.len);
		munmap(rt.task_view, rt.len);
	}
	memset(&rt, 0, sizeof rt);
	memset(&fake, 0, sizeof fake);
	fake.spurious_ntfn = -1;
	for (unsigned i = 0; i < fake_out.nframes; i++)
		free(fake_out.frame[i].samples);
	memset(&fake_out, 0, sizeof fake_out);
}

int wl_rt_begin(const struct wl_args *a, enum wl_rt_window w)
{
	(void)a;
	me = 0;
	static const int64_t ov[] = { [WL_RT_READS] = FAKE_TICK, [WL_RT_NULL] = 2,
	                              [WL_RT_START] = FAKE_TICK, [WL_RT_NONE] = 0 };
	fake.overhead = ov[w];
	return 0;
}

void *wl_rt_shared(size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int fd = memfd_create("fake-shared", MFD_CLOEXEC);
	rt.len = (len + page - 1) / page * page;
	if (fd < 0 || ftruncate(fd, (off_t)rt.len) != 0) {
		wl_rt_fail("fake: memfd of %zu bytes", rt.len);
		return NULL;
	}
	rt.root_view = mmap(NULL, rt.len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	rt.task_view = mmap(NULL, rt.len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return rt.root_view;
}

int wl_rt_ntfns(unsigned n)
{
	if (n > WL_RT_NTFNS)
		return wl_rt_fail("%u notifications", n);
	rt.nntfn = n;
	return 0;
}

int wl_rt_spawn(void (*entry)(void *shared, unsigned id), unsigned id, enum wl_rt_rank rank,
                unsigned flags, const char *name)
{
	(void)rank;
	if (rt.ntask >= WL_RT_TASKS)
		return wl_rt_fail("task %s: too many", name);
	rt.task[rt.ntask].entry = entry;
	rt.task[rt.ntask].id = id;
	(void)flags;   /* one CPU: a thread and a task are scheduled alike */
	rt.ntask++;
	return 0;
}

static void *thread_main(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;
	me = (int)i + 1;
	pthread_mutex_lock(&cpu_m);
	while (rt.cur != me && !rt.teardown)
		pthread_cond_wait(&cpu_c, &cpu_m);
	pthread_mutex_unlock(&cpu_m);
	rt.task[i].entry(rt.task_view, rt.task[i].id);
	pthread_mutex_lock(&cpu_m);
	rt.state[me] = T_DONE;
	if (rt.state[0] == T_JOIN) {
		bool all = true;
		for (unsigned t = 1; t <= rt.ntask; t++)
			all = all && rt.state[t] == T_DONE;
		if (all)
			make_ready(0);
	}
	if (!rt.teardown)
		hand_off();
	pthread_mutex_unlock(&cpu_m);
	return NULL;
}

/* The tasks are ready in declaration order; the root keeps the CPU. */
int wl_rt_start(void)
{
	pthread_mutex_lock(&cpu_m);
	rt.cur = 0;
	rt.state[0] = T_RUN;
	for (unsigned i = 0; i < rt.ntask; i++)
		make_ready((int)i + 1);
	rt.started = true;
	pthread_mutex_unlock(&cpu_m);
	for (unsigned i = 0; i < rt.ntask; i++)
		if (pthread_create(&rt.task[i].th, NULL, thread_main, (void *)(uintptr_t)i) != 0)
			return wl_rt_fail("fake: pthread_create");
	return 0;
}

/* Like Linux's waitpid: the root waits until every task has ended. */
int wl_rt_finish(void)
{
	if (!rt.started)
		return 0;
	pthread_mutex_lock(&cpu_m);
	bool all = true;
	for (unsigned t = 1; t <= rt.ntask; t++)
		all = all && rt.state[t] == T_DONE;
	if (!all && !rt.teardown) {
		rt.state[0] = T_JOIN;
		switch_away();
	}
	bool dead = rt.deadlock;
	pthread_mutex_unlock(&cpu_m);
	for (unsigned i = 0; i < rt.ntask; i++)
		pthread_join(rt.task[i].th, NULL);
	rt.started = false;
	if (rt.task_err[0])
		return wl_rt_fail("%s", rt.task_err);
	if (dead)
		return wl_rt_fail("fake: deadlock, every thread waits");
	return 0;
}

uint64_t fake_yield(volatile uint64_t *start)
{
	*start = wl_rt_count_start();
	if (!fake.yield_stays) {
		pthread_mutex_lock(&cpu_m);
		if (!rt.teardown && rt.qlen > 0) {
			atomic_fetch_add(&fake.counter, FAKE_YIELD_COST);
			make_ready(me);
			switch_away();
		}
		pthread_mutex_unlock(&cpu_m);
	}
	return wl_rt_count_stop();
}

void wl_rt_signal(unsigned k)
{
	pthread_mutex_lock(&cpu_m);
	rt.pending[k] = true;
	for (int t = 0; t <= (int)rt.ntask; t++)
		if (rt.state[t] == T_WAIT && rt.wait_on[t] == (int)k) {
			rt.pending[k] = false;   /* the waiter takes it */
			make_ready(t);
			break;
		}
	pthread_mutex_unlock(&cpu_m);
}

void wl_rt_wait(unsigned k)
{
	pthread_mutex_lock(&cpu_m);
	rt.waits[k]++;
	if ((int)k == fake.spurious_ntfn && rt.waits[k] == fake.spurious_at) {
		pthread_mutex_unlock(&cpu_m);   /* returns without a signal */
		return;
	}
	if (rt.pending[k]) {
		rt.pending[k] = false;
	} else if (!rt.teardown) {
		rt.state[me] = T_WAIT;
		rt.wait_on[me] = (int)k;
		switch_away();
	}
	if (rt.teardown && me != 0) {
		/* The run is over (it failed, or deadlocked): a task that waits
		 * now is killed, as Linux kills the child and virt ends the run. */
		pthread_mutex_unlock(&cpu_m);
		pthread_exit(NULL);
	}
	pthread_mutex_unlock(&cpu_m);
}

static void sig_cb(void *ctx) { wl_rt_signal((unsigned)(uintptr_t)ctx); }
static void wait_cb(void *ctx) { wl_rt_wait((unsigned)(uintptr_t)ctx); }

struct ring_waker wl_rt_waker(unsigned k)
{
	return (struct ring_waker){ sig_cb, wait_cb, (void *)(uintptr_t)k };
}

enum wl_rt_fault wl_rt_fault(uint64_t *at)
{
	*at = fake.fault_at;
	return (enum wl_rt_fault)fake.fault;
}

int wl_rt_fail(const char *fmt, ...)
{
	char *dst = me == 0 ? fake_out.error : rt.task_err;
	size_t len = me == 0 ? sizeof fake_out.error : sizeof rt.task_err;
	va_list ap;
	pthread_mutex_lock(&err_m);
	if (!dst[0]) {
		va_start(ap, fmt);
		vsnprintf(dst, len, fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&err_m);
	return 1;
}

int wl_rt_frame(const struct wl_args *a, const char *metric, int64_t per, const int64_t *samples,
                uint64_t n)
{
	char kv[1024];
	struct fake_frame *f = &fake_out.frame[fake_out.nframes++];
	if (!wl_frame_kv(a, metric, "ticks", "fake", "fake", fake.overhead, per, kv, sizeof kv))
		return wl_rt_fail("the frame header does not fit");
	snprintf(f->metric, sizeof f->metric, "%s", metric);
	f->per = per;
	f->n = n;
	f->samples = malloc(n * sizeof *samples);
	memcpy(f->samples, samples, n * sizeof *samples);
	return 0;
}

int64_t *wl_rt_samples(uint64_t n)
{
	if (n > sizeof rt.samples / sizeof rt.samples[0]) {
		wl_rt_fail("%llu samples", (unsigned long long)n);
		return NULL;
	}
	return rt.samples;
}

bool fake_views_differ(void)
{
	return rt.root_view != rt.task_view;
}
