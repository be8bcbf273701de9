/*
 * The Linux runtime of the workloads: two tasks as two processes (fork)
 * sharing a memfd mapping, each pinned to a CPU (rt_pair.c); a calibrated
 * timer (rt_timer.c); perf counters (rt_perf.c); host metadata (rt_host.c);
 * the result stream on stdout and the failure message (rt.c).
 *
 * Rules:
 *  - The parent is the "ping" side (side 0, it takes the samples), the child
 *    the "pong" side (side 1). Nothing is printed while both run: the stream
 *    is written by the parent alone, after the measured loop.
 *  - A side that fails calls rt_fail() and returns non-zero. A child that
 *    fails (or dies) ends the whole run at once: the parent's SIGCHLD handler
 *    prints ERROR (with the child's message) and DONE status=fail and exits,
 *    wherever the parent was blocked. A run that hangs (a lost wake-up) is
 *    ended the same way by a watchdog alarm.
 *  - The child dies with the parent (PR_SET_PDEATHSIG).
 */
#ifndef IPCLAB_LINUX_RT_H
#define IPCLAB_LINUX_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/params.h"
#include "../common/stream.h"

#define RT_LINE 128 /* spacing of data written by different sides (two lines) */

/* The runner's exit statuses, natively and as linux-virt's /init reports
 * them (LINUX-VIRT END <i> exit=<n>).  One entry a line, `RT_EXIT_<NAME> =
 * <n>,` and a comment saying what it means: the harness reads this enum
 * (bench/platform.py), keep that shape.  A signal ends the runner with no
 * status of these (the harness names the signal). */
enum rt_exit {
	RT_EXIT_OK = 0,          /* the run finished (DONE status=ok), or workload=list */
	RT_EXIT_RUN_FAILED = 1,  /* the run failed (ERROR printed, then DONE status=fail) */
	RT_EXIT_BAD_WORDS = 2,   /* words refused before the run began (ERROR printed) */
};

/* The platform the runner is built for, the one definition of its name in
 * every frame: "linux" (natively, the default) or "linux-virt" (the static
 * aarch64 /init booted on QEMU virt: linux-virt/linux-virt.mk passes
 * -DRT_PLATFORM=\"linux-virt\").  It decides the mode and unit too
 * (rt_mode_check, rt_frame_kv). */
#ifndef RT_PLATFORM
#define RT_PLATFORM "linux"
#endif

/* The stream on stdout, shared by every workload. */
extern struct stream rt_out;

#define RT_ERR_MAX 512 /* bytes of a failure message, NUL included */

/* Record why the current side failed (printf-style); the first cause is kept. */
void rt_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Whether rt_fail() was called on this side. */
bool rt_failed(void);
/* The message recorded by rt_fail() on this side. */
const char *rt_error(void);
/* rt_pair.c: the child records its messages in the shared region. */
void rt_fail_into(char *buf, size_t len);
/* rt_pair.c: move the message recorded so far into out (empty if none). */
void rt_fail_take(char *out, size_t len);

/* Whether this build may run mode=exact: only on linux-virt, where QEMU's
 * exact mode (icount, shift 0) makes the guest clock an instruction count
 * (linux-virt/README.md, "Counter and mode").  Natively there is no
 * instruction-exact clock. */
bool rt_linux_virt(void);
/* main.c, after wl_parse: a mode=exact this build cannot measure is refused
 * (-1, the message in err); without a mode word a native run is timed, a
 * linux-virt one exact. */
int rt_mode_check(struct wl_args *args, const char *words, char *err, size_t len);

/* ---- timer ---------------------------------------------------------------- */

enum rt_timer_kind { RT_TIMER_CPU, RT_TIMER_CLOCK };

struct rt_timer {
	enum rt_timer_kind kind;
	const char *counter;     /* stream name: tsc, cntvct, clock_gettime */
	double ns_per_tick;
	uint64_t overhead_ticks; /* min of back-to-back start/stop reads */
	uint64_t hz;             /* ticks per second (1e9 for clock_gettime) */
};

#if defined(__x86_64__)
static inline uint64_t rt_ticks_start(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}
static inline uint64_t rt_ticks_stop(void)
{
	uint32_t lo, hi, aux;
	__asm__ __volatile__("rdtscp\n\tlfence" : "=a"(lo), "=d"(hi), "=c"(aux) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}
#elif defined(__aarch64__)
static inline uint64_t rt_ticks_start(void)
{
	uint64_t v;
	__asm__ __volatile__("isb\n\tmrs %0, cntvct_el0\n\tisb" : "=r"(v) :: "memory");
	return v;
}
static inline uint64_t rt_ticks_stop(void)
{
	return rt_ticks_start();
}
#else
#error "rt.h: no CPU counter for this architecture"
#endif

uint64_t rt_clock_ns(void); /* CLOCK_MONOTONIC */

static inline uint64_t rt_now_start(const struct rt_timer *t)
{
	return t->kind == RT_TIMER_CPU ? rt_ticks_start() : rt_clock_ns();
}
static inline uint64_t rt_now_stop(const struct rt_timer *t)
{
	return t->kind == RT_TIMER_CPU ? rt_ticks_stop() : rt_clock_ns();
}

/* Calibrate (CPU counter against CLOCK_MONOTONIC) and measure the overhead. */
int rt_timer_init(struct rt_timer *t, enum rt_timer_kind kind);
/* A start/stop interval as ns with the timer's overhead subtracted. */
int64_t rt_timer_ns(const struct rt_timer *t, uint64_t start, uint64_t stop);
/* The subtracted overhead, in ns (for the BEGIN line). */
int64_t rt_timer_overhead_ns(const struct rt_timer *t);

/* The frame header of every Linux frame (wl_frame_kv): platform RT_PLATFORM,
 * the timer's counter and overhead, and the unit of the run's mode:
 * `instructions` in exact mode (linux-virt only: the guest clock under
 * shift=0 counts one ns per instruction, so the ns of rt_timer_ns are
 * instruction counts, a change of unit, not a conversion), `ns` in timed
 * mode.  false when it does not fit len bytes. */
bool rt_frame_kv(const struct wl_args *a, const char *metric, const struct rt_timer *t,
		 int64_t per, char *buf, size_t len);

/* ---- perf counters ---------------------------------------------------------- */

/* Hardware (cycles, instructions) and software (context switches, CPU
 * migrations, page faults) counters over both tasks (inherited by the
 * child), counting only between rt_perf_enable and rt_perf_disable. */
struct rt_perf {
	int hw[2];      /* cycles, instructions; -1 when not available */
	int sw[3];      /* context switches, migrations, page faults */
	int hw_errno;   /* why the hardware counters are missing */
	int sw_errno;
};

void rt_perf_open(struct rt_perf *p);  /* before rt_pair_start */
void rt_perf_enable(struct rt_perf *p);
void rt_perf_disable(struct rt_perf *p);
/* INFO lines: the counts, or why there are none; then close. */
void rt_perf_report(struct rt_perf *p);

/* ---- two tasks ---------------------------------------------------------- */

/* The control block at the start of the shared region. */
struct rt_ctl {
	_Atomic uint32_t arrived;          /* start barrier */
	_Atomic uint32_t child_done;       /* the child finished without error */
	char pad[RT_LINE - 8];
	char child_err[RT_ERR_MAX];         /* the child's rt_fail message */
};

struct rt_pair {
	void *shm;          /* the shared region (rt_ctl first, then the workload's) */
	size_t shm_len;
	void *area;         /* the workload's part, after the control block */
	size_t area_len;
	int cpu[2];         /* CPU of side 0 (parent) and side 1 (child) */
	pid_t child;
	bool same;          /* both sides on one CPU */
};

/* Map a shared region with `area_len` bytes for the workload and choose the
 * CPUs for `placement` (0 = same, 1 = cross). */
int rt_pair_init(struct rt_pair *p, size_t area_len, int placement);
/* Fork the child, pin both sides, run child_fn(arg) in the child (0: done,
 * else failed with rt_fail). Returns 0 in the parent; a watchdog ends the run
 * after timeout_s seconds. */
int rt_pair_start(struct rt_pair *p, int (*child_fn)(struct rt_pair *, void *), void *arg,
		  unsigned timeout_s);
/* Both sides call this once: returns when both have arrived. */
void rt_pair_barrier(struct rt_pair *p);
/* Parent: wait for the child's normal end; non-zero (and rt_fail) if it
 * failed. */
int rt_pair_finish(struct rt_pair *p);
/* Parent: stop the child after a failure of the parent's own. */
void rt_pair_abort(struct rt_pair *p);
void rt_pair_free(struct rt_pair *p);

/* Spin-wait helper: after how many spins a waiting side yields the CPU. */
static inline uint32_t rt_spin_budget(const struct rt_pair *p)
{
	return p->same ? 1u : 1u << 14;
}
void rt_cpu_relax(void);

/* INFO lines about the host and the placement. */
void rt_info_host(const struct rt_pair *p, const struct rt_timer *t);

/* ---- parameters every Linux workload takes ----------------------------------- */

extern const char *const rt_placement_names[]; /* same, cross */
extern const char *const rt_timer_names[];     /* cpu, clock_gettime */
extern const char *const rt_waker_names[];     /* futex, eventfd: what a sleeping side sleeps on */

#define RT_PARAM_PLACEMENT { .name = "placement", .def = 1, .choices = rt_placement_names }
#define RT_PARAM_TIMER { .name = "timer", .def = 0, .choices = rt_timer_names }
#define RT_PARAM_SIZE(lo, hi, d) { .name = "size", .min = (lo), .max = (hi), .def = (d) }

#endif
