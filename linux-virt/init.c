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
 * The runner is built for this platform (linux-virt.mk: -DRT_PLATFORM=
 * "linux-virt"), so it labels its frames platform=linux-virt, takes
 * mode=exact and then gives unit=instructions (workloads/linux/rt.h,
 * rt_frame_kv); its words are handed over as they are.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../workloads/linux/rt.h"

int ipclab_linux_main(int argc, char **argv);

/* ---- one configuration ------------------------------------------------------- */

#define MAX_WORDS 64

static int run_config(char *words)
{
	char *argv[MAX_WORDS + 2], *save = NULL;
	int argc = 0;

	argv[argc++] = "ipclab-linux";
	for (char *w = strtok_r(words, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
		if (argc == MAX_WORDS + 1) {
			stream_error(&rt_out, "more than 64 words in one configuration");
			stream_done(&rt_out, false);
			return 2;
		}
		argv[argc++] = w;
	}
	argv[argc] = NULL;
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
