/*
 * /init of the linux-virt initramfs: Debian's arm64 kernel boots under the
 * one QEMU definition (mk/qemu.mk) and runs this as its first process.
 *
 * It runs one or more configurations of the Linux runner (workloads/linux,
 * linked in unchanged, its main() renamed ipclab_linux_main at compile time)
 * one after the other, each in a process of its own, then powers the
 * machine off.  The configurations come from the kernel command line: the
 * kernel hands every argument after `--` to init, and a double-quoted
 * argument stays one argument, so the harness writes
 *
 *     ... -- "workload=pipe size=64 ... mode=exact" "workload=eventfd ..."
 *
 * and each argv[i] here is one configuration's words.  Around each one this
 * prints, as console noise to the stream parser (no `IPCLAB v2 ` prefix):
 *
 *     LINUX-VIRT BOOT runs=<n> kernel=<release> rng_seed=absent|present cpus=<n>
 *     LINUX-VIRT RUN <i> <words>
 *     ... the run's own stream (BEGIN/S/END, INFO, ERROR, DONE) ...
 *     LINUX-VIRT END <i> exit=<status> | signal=<number>
 *     LINUX-VIRT POWEROFF
 *
 * which is how bench/ splits one boot's console into the runs of a boot
 * group and judges each on its own.  A kernel panic, a hang or an init that
 * dies shows as a missing END or POWEROFF line.
 *
 * Two things the runner cannot do unchanged, and how this shim covers them
 * (the runner change that would make them unnecessary is in README.md):
 *  - It labels its frames platform=linux unit=ns and refuses mode=exact.  The
 *    shim strips mode= from the words it hands over and relabels the frame
 *    header at the one place it is built, wl_frame_kv (linked with
 *    --wrap=wl_frame_kv): platform=linux-virt, the run's mode, and in exact
 *    mode unit=instructions.  That is a unit change, not a conversion: under
 *    QEMU's exact mode (icount, shift 0) the guest clock advances 1 ns per instruction,
 *    so the runner's ns are instruction counts (CNTVCT at 62.5 MHz: 16 per
 *    tick, the resolution of every sample).
 *  - It has no null syscall or sched_yield workload; the ipclab kernel has
 *    both.  They are here (null_syscall, yield), built on the runner's own
 *    runtime (rt_timer, rt_pair) and stream, and listed with its workloads;
 *    a workload of these names the runner has itself is the runner's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../workloads/common/params.h"
#include "../workloads/common/stream.h"
#include "../workloads/linux/rt.h"

int ipclab_linux_main(int argc, char **argv);

/* ---- the frame header: platform, mode and unit of this platform ---------- */

static char lv_mode[8] = "exact";

bool __real_wl_frame_kv(const struct wl_args *a, const char *metric, const char *unit,
			const char *counter, const char *platform, int64_t overhead,
			int64_t per, char *buf, size_t len);

bool __wrap_wl_frame_kv(const struct wl_args *a, const char *metric, const char *unit,
			const char *counter, const char *platform, int64_t overhead,
			int64_t per, char *buf, size_t len)
{
	struct wl_args b = *a;

	(void)platform;
	snprintf(b.mode, sizeof(b.mode), "%s", lv_mode);
	/* The runner measures ns; under shift=0 a guest ns is one instruction. */
	if (strcmp(lv_mode, "exact") == 0 && strcmp(unit, "ns") == 0)
		unit = "instructions";
	return __real_wl_frame_kv(&b, metric, unit, counter, "linux-virt", overhead, per, buf,
				  len);
}

/* ---- the shim's own workloads: null syscall, sched_yield ------------------ */

/* fifo first, the default: SCHED_FIFO at one priority hands the CPU to the
 * other process at every sched_yield, as ipclab's yield does between two
 * threads of one priority.  Under SCHED_OTHER, CFS may pick the caller again
 * (its yield only marks it skip-buddy), which the check below reports. */
static const char *const policy_names[] = { "fifo", "other", NULL };

static const struct wl_param p_null[] = { RT_PARAM_TIMER };
static const struct wl_param p_yield[] = {
	RT_PARAM_TIMER,
	/* SCHED_FIFO at one priority, or SCHED_OTHER (what a process gets) */
	{ .name = "policy", .def = 0, .choices = policy_names },
};

static void emit(const struct wl_args *a, const char *metric, const struct rt_timer *t,
		 const int64_t *samples, size_t n)
{
	char kv[1024];

	if (!wl_frame_kv(a, metric, "ns", t->counter, "linux", rt_timer_overhead_ns(t), 1, kv,
			 sizeof(kv))) {
		stream_error(&rt_out, "the frame header does not fit 1024 bytes");
		return;
	}
	stream_frame(&rt_out, kv, samples, n);
}

static int64_t *alloc_samples(uint64_t n)
{
	int64_t *s = calloc(n, sizeof(*s));

	if (s == NULL)
		rt_fail("out of memory for %llu samples", (unsigned long long)n);
	else
		memset(s, 0, n * sizeof(*s)); /* no page fault in the measured loop */
	return s;
}

/* getppid(2): a system call that does nothing but return (glibc does not
 * cache it); the counter read just before and just after. */
static int run_null(const struct wl_args *a)
{
	uint64_t n = (uint64_t)wl_get(a, "iterations"), w = (uint64_t)wl_get(a, "warmup");
	int64_t *samples = alloc_samples(n);
	struct rt_timer t;
	pid_t parent = getppid();

	if (samples == NULL || rt_timer_init(&t, (enum rt_timer_kind)wl_get(a, "timer")) != 0) {
		free(samples);
		return -1;
	}
	for (uint64_t i = 0; i < w + n; i++) {
		uint64_t t0 = rt_now_start(&t);
		long r = syscall(SYS_getppid);
		uint64_t t1 = rt_now_stop(&t);

		if (r != parent) {
			rt_fail("getppid returned %ld, not %ld", r, (long)parent);
			free(samples);
			return -1;
		}
		if (i >= w)
			samples[i - w] = rt_timer_ns(&t, t0, t1);
	}
	emit(a, "null", &t, samples, n);
	free(samples);
	return 0;
}

/* sched_yield(2) between two processes on one CPU, measured as ipclab's
 * yield is: the counter read by one side just before it yields and by the
 * other just after its own yield returns (one switch).  Each side bumps its
 * count before yielding; a yield that returns without the other side having
 * run is reported, never measured. */
struct yield_area {
	_Atomic uint64_t stamp[2]; /* counter just before side i's yield */
	_Atomic uint64_t count[2]; /* yields side i has begun */
	uint64_t total;
	char pad[RT_LINE - 5 * sizeof(uint64_t)];
};

static int set_policy(int policy)
{
	struct sched_param sp = { .sched_priority = policy == 0 ? 1 : 0 };

	if (sched_setscheduler(0, policy == 0 ? SCHED_FIFO : SCHED_OTHER, &sp) != 0) {
		rt_fail("sched_setscheduler(%s): %s", policy_names[policy], strerror(errno));
		return -1;
	}
	return 0;
}

static int yield_side(struct yield_area *y, const struct rt_timer *t, int side,
		      int64_t *samples, uint64_t warmup)
{
	int other = 1 - side;

	for (uint64_t i = 0; i < y->total; i++) {
		uint64_t before = atomic_load_explicit(&y->count[other], memory_order_acquire);

		atomic_store_explicit(&y->count[side], i + 1, memory_order_relaxed);
		atomic_store_explicit(&y->stamp[side], rt_now_start(t), memory_order_release);
		sched_yield();
		uint64_t t1 = rt_now_stop(t);
		/* The other side ran in between: it began another yield (or, at the
		 * very end, it has finished all of them). */
		if (atomic_load_explicit(&y->count[other], memory_order_acquire) == before &&
		    before < y->total && i > 0) {
			rt_fail("yield: sched_yield %llu of side %d returned without a switch",
				(unsigned long long)i, side);
			return -1;
		}
		if (samples != NULL && i >= warmup)
			samples[i - warmup] =
				rt_timer_ns(t, atomic_load_explicit(&y->stamp[other],
								    memory_order_acquire), t1);
	}
	return 0;
}

struct yield_ctx {
	struct yield_area *y;
	const struct rt_timer *t;
	int policy;
};

static int yield_child(struct rt_pair *pair, void *arg)
{
	struct yield_ctx *c = arg;

	if (set_policy(c->policy) != 0)
		return -1;
	rt_pair_barrier(pair);
	return yield_side(c->y, c->t, 1, NULL, 0);
}

static int run_yield(const struct wl_args *a)
{
	uint64_t n = (uint64_t)wl_get(a, "iterations");
	/* One more than asked: the first switch may find the partner not yet
	 * at its loop. */
	uint64_t w = (uint64_t)wl_get(a, "warmup") + 1;
	int64_t *samples = alloc_samples(n);
	struct rt_timer t;
	struct rt_pair pair;
	struct yield_ctx c;
	int rc = -1;

	if (samples == NULL)
		return -1;
	if (rt_timer_init(&t, (enum rt_timer_kind)wl_get(a, "timer")) != 0 ||
	    rt_pair_init(&pair, sizeof(struct yield_area), 0) != 0) {
		free(samples);
		return -1;
	}
	c.y = pair.area;
	c.y->total = w + n;
	c.t = &t;
	c.policy = (int)wl_get(a, "policy");
	rt_info_host(&pair, &t);
	if (set_policy(c.policy) != 0 || rt_pair_start(&pair, yield_child, &c, 60) != 0)
		goto out;
	rt_pair_barrier(&pair);
	if (yield_side(c.y, &t, 0, samples, w) != 0) {
		rt_pair_abort(&pair);
		goto out;
	}
	if (rt_pair_finish(&pair) != 0)
		goto out;
	emit(a, "yield", &t, samples, n);
	rc = 0;
out:
	rt_pair_free(&pair);
	free(samples);
	return rc;
}

#define N(p) (sizeof(p) / sizeof((p)[0]))

static const struct wl_desc lv_table[] = {
	{ "null_syscall", "getppid(2), the counter read around it", p_null, N(p_null), run_null },
	{ "yield", "sched_yield(2): one switch between two processes on one CPU", p_yield,
	  N(p_yield), run_yield },
};

/* One configuration of the shim's own table, as the runner's main does. */
static int shim_main(const char *words)
{
	struct wl_args args;
	char err[256];
	int rc = wl_parse(lv_table, N(lv_table), words, &args, err, sizeof(err));

	if (rc != 0) {
		stream_error(&rt_out, err);
		stream_done(&rt_out, false);
		return 2;
	}
	rc = args.desc->run(&args);
	if (rc != 0)
		stream_error(&rt_out, rt_error());
	stream_done(&rt_out, rc == 0);
	return rc == 0 ? 0 : 1;
}

/* The runner's registry (its workload=list answer without the DONE line),
 * asked once per process; ok is false when the runner's list failed. */
static char runner_list[16384];
static bool runner_listed, runner_list_ok;

static void ask_runner_list(void)
{
	int fd[2], status;
	pid_t pid;
	size_t n = 0;
	FILE *in;
	char line[4096], done[32];
	char *argv[] = { "ipclab-linux", "workload=list", NULL };

	if (runner_listed)
		return;
	runner_listed = true;
	snprintf(done, sizeof(done), "IPCLAB v%d DONE ", STREAM_VERSION);
	if (pipe(fd) != 0)
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		exit(ipclab_linux_main(2, argv));
	}
	close(fd[1]);
	in = fdopen(fd[0], "r");
	while (in != NULL && fgets(line, sizeof(line), in) != NULL) {
		size_t len = strlen(line);
		if (strncmp(line, done, strlen(done)) == 0) {
			runner_list_ok = strstr(line, "status=ok") != NULL;
			continue;
		}
		if (n + len + 1 > sizeof(runner_list)) {
			runner_list_ok = false;
			break;
		}
		memcpy(runner_list + n, line, len + 1);
		n += len;
	}
	if (in != NULL)
		fclose(in);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		runner_list_ok = false;
}

/* Whether the runner itself has this workload: then it is the runner's to
 * run (the shim's own are only for what it lacks). */
static bool runner_has(const char *name)
{
	char key[128];

	ask_runner_list();
	snprintf(key, sizeof(key), "WORKLOAD name=%s params=", name);
	return strstr(runner_list, key) != NULL;
}

/* workload=list: the runner's registry, then the shim's workloads it lacks,
 * one DONE. */
static int list_all(void)
{
	struct wl_desc own[N(lv_table)];
	size_t n = 0;

	ask_runner_list();
	if (!runner_list_ok) {
		stream_error(&rt_out, "the Linux runner's registry (workload=list) failed");
		stream_done(&rt_out, false);
		return 1;
	}
	fputs(runner_list, stdout);
	for (size_t i = 0; i < N(lv_table); i++)
		if (!runner_has(lv_table[i].name))
			own[n++] = lv_table[i];
	wl_list(&rt_out, own, n);
	return 0;
}

/* ---- one configuration ------------------------------------------------------- */

#define MAX_WORDS 64

static int run_config(char *words)
{
	char *argv[MAX_WORDS + 2], *save = NULL, shim_words[4096];
	int argc = 0;
	size_t n = 0;
	const char *workload = NULL;

	argv[argc++] = "ipclab-linux";
	shim_words[0] = '\0';
	for (char *w = strtok_r(words, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
		if (strncmp(w, "mode=", 5) == 0) {
			/* The runner refuses mode=exact: the mode is the shim's to label. */
			if (strcmp(w + 5, "exact") != 0 && strcmp(w + 5, "timed") != 0) {
				char msg[128];
				snprintf(msg, sizeof(msg), "mode=%.40s is not exact or timed", w + 5);
				stream_error(&rt_out, msg);
				stream_done(&rt_out, false);
				return 2;
			}
			snprintf(lv_mode, sizeof(lv_mode), "%s", w + 5);
		} else if (argc < MAX_WORDS + 1) {
			argv[argc++] = w;
		} else {
			stream_error(&rt_out, "more than 64 words in one configuration");
			stream_done(&rt_out, false);
			return 2;
		}
		if (strncmp(w, "workload=", 9) == 0)
			workload = w + 9;
		n += (size_t)snprintf(shim_words + n, n < sizeof(shim_words) ? sizeof(shim_words) - n : 0,
				      "%s%s", n ? " " : "", w);
	}
	argv[argc] = NULL;
	if (n >= sizeof(shim_words)) {
		stream_error(&rt_out, "the configuration's words are too long");
		stream_done(&rt_out, false);
		return 2;
	}
	if (workload != NULL && strcmp(workload, "list") == 0)
		return list_all();
	if (workload != NULL && wl_find(lv_table, N(lv_table), workload) != NULL &&
	    !runner_has(workload))
		return shim_main(shim_words);
	return ipclab_linux_main(argc, argv);
}

/* ---- the boot --------------------------------------------------------------- */

static void boot_facts(int runs)
{
	struct utsname u;
	struct stat st;

	if (uname(&u) != 0)
		snprintf(u.release, sizeof(u.release), "unknown");
	/* QEMU's virt board writes a fresh /chosen/rng-seed at every boot unless
	 * the DTB it is given has none (linux-virt/README.md). */
	printf("LINUX-VIRT BOOT runs=%d kernel=%s rng_seed=%s cpus=%ld\n", runs, u.release,
	       stat("/proc/device-tree/chosen/rng-seed", &st) == 0 ? "present" : "absent",
	       sysconf(_SC_NPROCESSORS_ONLN));
}

int main(int argc, char **argv)
{
	/* The runner reads /proc (cpuinfo); /dev and /tmp are in the archive. */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
		printf("LINUX-VIRT WARNING mount /proc: %s\n", strerror(errno));
	/* Before `--` the kernel also hands init the arguments it did not know
	 * and that have no '=' (nokaslr is read by arm64's early code, not
	 * registered): a configuration is an argument with '=' in it. */
	int runs = 0;
	for (int i = 1; i < argc; i++)
		runs += strchr(argv[i], '=') != NULL;
	boot_facts(runs);
	for (int i = 1, k = 0; i < argc; i++) {
		int status;
		pid_t pid;

		if (strchr(argv[i], '=') == NULL)
			continue;
		k++;
		printf("LINUX-VIRT RUN %d %s\n", k - 1, argv[i]);
		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			printf("LINUX-VIRT END %d fork-failed=%d\n", k - 1, errno);
			continue;
		}
		if (pid == 0)
			exit(run_config(argv[i])); /* exit() flushes the stream */
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFSIGNALED(status))
			printf("LINUX-VIRT END %d signal=%d\n", k - 1, WTERMSIG(status));
		else
			printf("LINUX-VIRT END %d exit=%d\n", k - 1, WEXITSTATUS(status));
		fflush(stdout);
	}
	printf("LINUX-VIRT POWEROFF\n");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	/* Not reached; returning would panic the kernel ("Attempted to kill init"). */
	for (;;)
		pause();
}
