/*
 * The two processes of a run: the shared region, pinning, fork, the start
 * barrier, and ending the whole run when the child fails or the run hangs
 * (signal handlers). See rt.h.
 */
#define _GNU_SOURCE
#include "rt.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* State the signal handlers read (the parent's). */
static volatile sig_atomic_t child_expected = 1;
static volatile pid_t child_pid = -1;
static struct rt_ctl *volatile handler_ctl;
static volatile unsigned watchdog_s;
static volatile sig_atomic_t child_reaped; /* the handler reaped a clean exit */
static volatile int child_status;

/*
 * The handlers end the run through the stream module like every other
 * writer, with a sink of their own that calls write(2) on stdout directly.
 * That is async-signal-safe: stream_error and stream_done buffer nothing,
 * take no lock and call no libc function (workloads/common/stream.c is
 * freestanding); they touch only the struct stream they are given, and this
 * one is the handlers' alone (rt_out's frame state is never read here).  The
 * message is assembled below with fmt_i64, not snprintf.
 */
static void handler_write(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	while (n > 0) {
		ssize_t w = write(1, s, n);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static struct stream handler_out = { .write = handler_write };

/* Append s to buf (length *n, capacity cap, always NUL-terminated). */
static void msg_add(char *buf, size_t *n, size_t cap, const char *s)
{
	while (*s != '\0' && *n + 1 < cap)
		buf[(*n)++] = *s++;
	buf[*n] = '\0';
}

/* Async-signal-safe: end the run from a handler with ERROR and DONE
 * status=fail.  The message is what, then detail, then num (if >= 0), then
 * tail. */
static void die_from_handler(const char *what, const char *detail, int64_t num,
			     const char *tail)
{
	char msg[RT_ERR_MAX + 128], d[FMT_INT_MAX + 1];
	size_t n = 0;

	msg[0] = '\0';
	msg_add(msg, &n, sizeof(msg), what);
	if (detail != NULL)
		msg_add(msg, &n, sizeof(msg), detail);
	if (num >= 0) {
		d[fmt_i64(d, num)] = '\0';
		msg_add(msg, &n, sizeof(msg), d);
	}
	if (tail != NULL)
		msg_add(msg, &n, sizeof(msg), tail);
	stream_error(&handler_out, msg); /* a newline in detail becomes a space */
	stream_done(&handler_out, false);
	_exit(RT_EXIT_RUN_FAILED);
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
		rt_fail_into(ctl->child_err, sizeof(ctl->child_err));
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(RT_EXIT_RUN_FAILED);
		if (pin(p->cpu[1]) != 0) {
			rt_fail("pinning to CPU %d: %s", p->cpu[1], strerror(errno));
			_exit(RT_EXIT_RUN_FAILED);
		}
		rc = child_fn(p, arg);
		if (rc != 0 && ctl->child_err[0] == '\0')
			rt_fail("failed (no message)");
		if (rc == 0)
			atomic_store(&ctl->child_done, 1);
		_exit(rc != 0 ? RT_EXIT_RUN_FAILED : RT_EXIT_OK);
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
		char mine[RT_ERR_MAX];

		rt_fail_take(mine, sizeof(mine));
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
