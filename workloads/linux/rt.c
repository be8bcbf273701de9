/* The Linux runtime: processes, shared memory, pinning, timer, perf. See rt.h. */
#define _GNU_SOURCE
#include "rt.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *const rt_placement_names[] = { "same", "cross", NULL };
const char *const rt_timer_names[] = { "cpu", "clock_gettime", NULL };

/* ---- output and errors ------------------------------------------------------ */

static void stdout_write(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	fwrite(s, 1, n, stdout);
}

struct stream rt_out = { .write = stdout_write };

static char parent_err[512];
static char *err_buf = parent_err; /* the child's points into the shared region */
static size_t err_len = sizeof(parent_err);

void rt_fail(const char *fmt, ...)
{
	va_list ap;

	if (err_buf[0] != '\0')
		return; /* keep the first cause */
	va_start(ap, fmt);
	vsnprintf(err_buf, err_len, fmt, ap);
	va_end(ap);
}

const char *rt_error(void)
{
	return err_buf[0] != '\0' ? err_buf : "failed (no message)";
}

void rt_cpu_relax(void)
{
#if defined(__x86_64__)
	__asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/* ---- timer ------------------------------------------------------------------ */

uint64_t rt_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_hz(void)
{
#if defined(__aarch64__)
	uint64_t f;
	__asm__ __volatile__("mrs %0, cntfrq_el0" : "=r"(f));
	return f;
#else
	/* The TSC against CLOCK_MONOTONIC over 20 ms, twice (the first pass
	 * warms up the code and the vDSO page). */
	double hz = 0;
	for (int pass = 0; pass < 2; pass++) {
		uint64_t t0 = rt_clock_ns(), c0 = rt_ticks_start(), t1, c1;
		do {
			t1 = rt_clock_ns();
		} while (t1 - t0 < 20000000u);
		c1 = rt_ticks_stop();
		t1 = rt_clock_ns();
		hz = (double)(c1 - c0) * 1e9 / (double)(t1 - t0);
	}
	return (uint64_t)llround(hz);
#endif
}

int rt_timer_init(struct rt_timer *t, enum rt_timer_kind kind)
{
	uint64_t best = UINT64_MAX;

	t->kind = kind;
	if (kind == RT_TIMER_CPU) {
#if defined(__aarch64__)
		t->counter = "cntvct";
#else
		t->counter = "tsc";
#endif
		t->hz = cpu_hz();
		if (t->hz == 0) {
			rt_fail("the CPU counter does not advance");
			return -1;
		}
	} else {
		t->counter = "clock_gettime";
		t->hz = 1000000000u;
	}
	t->ns_per_tick = 1e9 / (double)t->hz;
	for (int i = 0; i < 2000; i++) {
		uint64_t a = rt_now_start(t), b = rt_now_stop(t);
		if (b - a < best)
			best = b - a;
	}
	t->overhead_ticks = best;
	return 0;
}

int64_t rt_timer_ns(const struct rt_timer *t, uint64_t start, uint64_t stop)
{
	uint64_t d = stop - start;

	d = d > t->overhead_ticks ? d - t->overhead_ticks : 0;
	return (int64_t)llround((double)d * t->ns_per_tick);
}

int64_t rt_timer_overhead_ns(const struct rt_timer *t)
{
	return (int64_t)llround((double)t->overhead_ticks * t->ns_per_tick);
}

/* ---- perf ------------------------------------------------------------------- */

static int perf_open(uint32_t type, uint64_t config)
{
	struct perf_event_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = type;
	attr.config = config;
	attr.disabled = 1;
	attr.inherit = 1;   /* the child, forked later, counts too */
	attr.exclude_hv = 1;
	fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM)) {
		attr.exclude_kernel = 1;
		fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	}
	return fd;
}

void rt_perf_open(struct rt_perf *p)
{
	static const uint64_t sw[3] = { PERF_COUNT_SW_CONTEXT_SWITCHES,
					PERF_COUNT_SW_CPU_MIGRATIONS,
					PERF_COUNT_SW_PAGE_FAULTS };

	p->hw_errno = p->sw_errno = 0;
	p->hw[0] = perf_open(PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES);
	if (p->hw[0] < 0)
		p->hw_errno = errno;
	p->hw[1] = perf_open(PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS);
	if (p->hw[1] < 0 && p->hw_errno == 0)
		p->hw_errno = errno;
	for (int i = 0; i < 3; i++) {
		p->sw[i] = perf_open(PERF_TYPE_SOFTWARE, sw[i]);
		if (p->sw[i] < 0 && p->sw_errno == 0)
			p->sw_errno = errno;
	}
}

static void perf_each(struct rt_perf *p, unsigned long req)
{
	for (int i = 0; i < 2; i++)
		if (p->hw[i] >= 0)
			ioctl(p->hw[i], req, 0);
	for (int i = 0; i < 3; i++)
		if (p->sw[i] >= 0)
			ioctl(p->sw[i], req, 0);
}

void rt_perf_enable(struct rt_perf *p)
{
	perf_each(p, PERF_EVENT_IOC_RESET);
	perf_each(p, PERF_EVENT_IOC_ENABLE);
}

void rt_perf_disable(struct rt_perf *p)
{
	perf_each(p, PERF_EVENT_IOC_DISABLE);
}

static bool perf_read(int fd, uint64_t *v)
{
	return fd >= 0 && read(fd, v, sizeof(*v)) == (ssize_t)sizeof(*v);
}

static const char *errno_name(int e)
{
	const char *n = strerrorname_np(e);
	return n != NULL ? n : "unknown";
}

void rt_perf_report(struct rt_perf *p)
{
	char line[256];
	uint64_t v[3];

	/* Counts cover both tasks during the measured iterations only. */
	if (perf_read(p->hw[0], &v[0]) && perf_read(p->hw[1], &v[1])) {
		snprintf(line, sizeof(line), "perf_hw=ok perf_cycles=%llu perf_instructions=%llu",
			 (unsigned long long)v[0], (unsigned long long)v[1]);
	} else {
		snprintf(line, sizeof(line), "perf_hw=unsupported perf_hw_errno=%s",
			 errno_name(p->hw_errno != 0 ? p->hw_errno : EIO));
	}
	stream_info(&rt_out, line);
	if (perf_read(p->sw[0], &v[0]) && perf_read(p->sw[1], &v[1]) &&
	    perf_read(p->sw[2], &v[2])) {
		snprintf(line, sizeof(line),
			 "sw_context_switches=%llu sw_cpu_migrations=%llu sw_page_faults=%llu",
			 (unsigned long long)v[0], (unsigned long long)v[1],
			 (unsigned long long)v[2]);
	} else {
		snprintf(line, sizeof(line), "perf_sw=unsupported perf_sw_errno=%s",
			 errno_name(p->sw_errno != 0 ? p->sw_errno : EIO));
	}
	stream_info(&rt_out, line);
	for (int i = 0; i < 2; i++)
		if (p->hw[i] >= 0)
			close(p->hw[i]);
	for (int i = 0; i < 3; i++)
		if (p->sw[i] >= 0)
			close(p->sw[i]);
}

/* ---- two processes ------------------------------------------------------------- */

/* State the signal handlers read (the parent's). */
static volatile sig_atomic_t child_expected = 1;
static volatile pid_t child_pid = -1;
static struct rt_ctl *volatile handler_ctl;
static volatile unsigned watchdog_s;
static volatile sig_atomic_t child_reaped; /* the handler reaped a clean exit */
static volatile int child_status;

static void raw_write(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(1, s, n);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void raw_puts(const char *s)
{
	raw_write(s, strlen(s));
}

/* Async-signal-safe: end the run from a handler. */
static void die_from_handler(const char *what, const char *detail, int64_t num,
			     const char *tail)
{
	char d[FMT_INT_MAX];

	raw_puts("IPCLAB v1 ERROR ");
	raw_puts(what);
	if (detail != NULL) {
		for (const char *c = detail; *c != '\0'; c++)
			raw_write(*c == '\n' ? " " : c, 1);
	}
	if (num >= 0)
		raw_write(d, fmt_i64(d, num));
	if (tail != NULL)
		raw_puts(tail);
	raw_puts("\nIPCLAB v1 DONE status=fail\n");
	_exit(1);
}

static void on_sigchld(int sig)
{
	int status, saved = errno;
	struct rt_ctl *ctl = handler_ctl;

	(void)sig;
	if (child_expected || child_pid <= 0 || waitpid(child_pid, &status, WNOHANG) != child_pid) {
		errno = saved;
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && ctl != NULL &&
	    atomic_load(&ctl->child_done)) {
		/* The pong finished its last iteration while the ping was still
		 * in its own: not a failure. rt_pair_finish takes it from here. */
		child_status = status;
		child_reaped = 1;
		errno = saved;
		return;
	}
	if (ctl != NULL && ctl->child_err[0] != '\0')
		die_from_handler("pong side: ", ctl->child_err, -1, NULL);
	if (WIFSIGNALED(status))
		die_from_handler("pong process killed by signal ", NULL, WTERMSIG(status), NULL);
	die_from_handler("pong process exited before the run ended, status ", NULL,
			 WEXITSTATUS(status), NULL);
}

static void on_sigalrm(int sig)
{
	(void)sig;
	child_expected = 1; /* the child's death below is ours, not news */
	if (child_pid > 0)
		kill(child_pid, SIGKILL);
	die_from_handler("watchdog: no progress after ", NULL, (int64_t)watchdog_s,
			 " s (a lost message or wake-up?)");
}

static int allowed_cpus(int *cpus, int max)
{
	cpu_set_t set;
	int n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 0;
	for (int c = 0; c < CPU_SETSIZE && n < max; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	return n;
}

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

int rt_pair_init(struct rt_pair *p, size_t area_len, int placement)
{
	int cpus[2], n, fd;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	memset(p, 0, sizeof(*p));
	p->child = -1;
	n = allowed_cpus(cpus, 2);
	if (n < 1) {
		rt_fail("sched_getaffinity: %s", strerror(errno));
		return -1;
	}
	p->same = placement == 0;
	if (!p->same && n < 2) {
		rt_fail("placement=cross needs two CPUs, this process may use one");
		return -1;
	}
	p->cpu[0] = cpus[0];
	p->cpu[1] = p->same ? cpus[0] : cpus[1];

	p->area_len = area_len;
	p->shm_len = (sizeof(struct rt_ctl) + area_len + page - 1) / page * page;
	fd = memfd_create("ipclab-shared", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)p->shm_len) != 0) {
		rt_fail("memfd of %zu bytes: %s", p->shm_len, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	p->shm = mmap(NULL, p->shm_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p->shm == MAP_FAILED) {
		p->shm = NULL;
		rt_fail("mmap of the shared region: %s", strerror(errno));
		return -1;
	}
	/* Touch every page now, so no page fault lands in a measurement. */
	memset(p->shm, 0, p->shm_len);
	p->area = (char *)p->shm + sizeof(struct rt_ctl);
	return 0;
}

_Static_assert(sizeof(struct rt_ctl) % RT_LINE == 0, "the workload area starts on a line");

int rt_pair_start(struct rt_pair *p, int (*child_fn)(struct rt_pair *, void *), void *arg,
		  unsigned timeout_s)
{
	struct sigaction sa;
	pid_t parent = getpid();

	if (pin(p->cpu[0]) != 0) {
		rt_fail("pinning to CPU %d: %s", p->cpu[0], strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	/* Neither handler may interrupt the other: each writes a whole ERROR. */
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGCHLD);
	sigaddset(&sa.sa_mask, SIGALRM);
	sa.sa_handler = on_sigchld;
	/* SA_RESTART: a handler either ends the run or changes nothing the
	 * interrupted call depends on. */
	sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = on_sigalrm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a write to a dead peer is an error, not a kill */

	handler_ctl = (struct rt_ctl *)p->shm;
	child_reaped = 0;
	fflush(stdout); /* the child must not inherit buffered output */
	child_expected = 0;
	p->child = fork();
	if (p->child < 0) {
		child_expected = 1;
		rt_fail("fork: %s", strerror(errno));
		return -1;
	}
	if (p->child == 0) {
		struct rt_ctl *ctl = (struct rt_ctl *)p->shm;
		int rc;

		signal(SIGCHLD, SIG_DFL);
		signal(SIGALRM, SIG_DFL);
		err_buf = ctl->child_err;
		err_len = sizeof(ctl->child_err);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		if (pin(p->cpu[1]) != 0) {
			rt_fail("pinning to CPU %d: %s", p->cpu[1], strerror(errno));
			_exit(1);
		}
		rc = child_fn(p, arg);
		if (rc != 0 && ctl->child_err[0] == '\0')
			rt_fail("failed (no message)");
		if (rc == 0)
			atomic_store(&ctl->child_done, 1);
		_exit(rc != 0 ? 1 : 0);
	}
	child_pid = p->child;
	{
		/* Tests shorten the watchdog to see it fire (msg.h: drop:N). */
		const char *w = getenv("IPCLAB_WATCHDOG_S");
		if (w != NULL && atoi(w) > 0)
			timeout_s = (unsigned)atoi(w);
	}
	watchdog_s = timeout_s;
	alarm(timeout_s);
	return 0;
}

void rt_pair_barrier(struct rt_pair *p)
{
	struct rt_ctl *ctl = (struct rt_ctl *)p->shm;

	atomic_fetch_add(&ctl->arrived, 1);
	while (atomic_load(&ctl->arrived) < 2)
		sched_yield();
}

int rt_pair_finish(struct rt_pair *p)
{
	struct rt_ctl *ctl = (struct rt_ctl *)p->shm;
	int status;

	child_expected = 1;
	alarm(0);
	if (child_reaped) {
		status = child_status;
	} else if (waitpid(p->child, &status, 0) != p->child) {
		rt_fail("waitpid: %s", strerror(errno));
		return -1;
	}
	p->child = -1;
	child_pid = -1;
	if (ctl->child_err[0] != '\0') {
		rt_fail("pong side: %s", ctl->child_err);
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		rt_fail("pong process ended with status 0x%x", status);
		return -1;
	}
	return 0;
}

void rt_pair_abort(struct rt_pair *p)
{
	struct rt_ctl *ctl = (struct rt_ctl *)p->shm;
	int status;

	child_expected = 1;
	alarm(0);
	if (p->child > 0 && !child_reaped) {
		/* The ping's failure may only be the echo of the pong's (a reset
		 * connection after the pong failed and exited): give a failing
		 * pong 200 ms to finish, so its message, the cause, is kept. */
		pid_t r = 0;
		for (int i = 0; i < 200 && r == 0; i++) {
			r = waitpid(p->child, &status, WNOHANG);
			if (r == 0)
				usleep(1000);
		}
		if (r != p->child) {
			kill(p->child, SIGKILL);
			waitpid(p->child, NULL, 0);
		}
	}
	p->child = -1;
	child_pid = -1;
	if (ctl != NULL && ctl->child_err[0] != '\0') {
		char mine[sizeof(parent_err)];

		snprintf(mine, sizeof(mine), "%s", parent_err);
		parent_err[0] = '\0';
		rt_fail("pong side: %s (then the ping side: %s)", ctl->child_err, mine);
	}
}

void rt_pair_free(struct rt_pair *p)
{
	if (p->child > 0)
		rt_pair_abort(p);
	if (p->shm != NULL)
		munmap(p->shm, p->shm_len);
	p->shm = NULL;
	handler_ctl = NULL;
}

/* ---- metadata ----------------------------------------------------------------- */

/* Stream values may not hold spaces: keep a safe set, '_' for the rest. */
static void sanitize(char *s)
{
	for (; *s != '\0'; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
		      c == '+' || c == '@' || c == '(' || c == ')'))
			*s = '_';
	}
}

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(buf, len, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "model name", 10) == 0 || strncmp(line, "CPU part", 8) == 0) {
			char *v = strchr(line, ':');
			if (v == NULL)
				continue;
			v++;
			while (*v == ' ' || *v == '\t')
				v++;
			v[strcspn(v, "\n")] = '\0';
			if (*v != '\0')
				snprintf(buf, len, "%s", v);
			break;
		}
	}
	fclose(f);
	sanitize(buf);
}

/* x86: a TSC that ticks at one rate in every P- and C-state (the kernel's
 * constant_tsc and nonstop_tsc flags); otherwise cycles are not time. */
static const char *tsc_invariant(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	static char line[4096];
	const char *answer = "unknown";

	if (f == NULL)
		return answer;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "flags", 5) == 0) {
			answer = strstr(line, " constant_tsc") != NULL &&
					 strstr(line, " nonstop_tsc") != NULL
				 ? "yes" : "no";
			break;
		}
	}
	fclose(f);
	return answer;
}

void rt_info_host(const struct rt_pair *p, const struct rt_timer *t)
{
	char line[512], model[160], rel[128] = "unknown";
	struct utsname u;

	cpu_model(model, sizeof(model));
	if (uname(&u) == 0) {
		snprintf(rel, sizeof(rel), "%s", u.release);
		sanitize(rel);
	}
	snprintf(line, sizeof(line), "host_cpu=%s host_cpus=%ld kernel=%s", model,
		 sysconf(_SC_NPROCESSORS_ONLN), rel);
	stream_info(&rt_out, line);
	snprintf(line, sizeof(line),
		 "ping_cpu=%d pong_cpu=%d timer_counter=%s timer_hz=%llu timer_overhead_ticks=%llu",
		 p->cpu[0], p->cpu[1], t->counter, (unsigned long long)t->hz,
		 (unsigned long long)t->overhead_ticks);
	if (strcmp(t->counter, "tsc") == 0) {
		size_t n = strlen(line);
		snprintf(line + n, sizeof(line) - n, " tsc_invariant=%s", tsc_invariant());
	}
	stream_info(&rt_out, line);
}
