/*
 * The root task: the first user code to run.  It holds every initial
 * capability, reads the boot arguments and runs what they ask for:
 *   (nothing)        the seed's demonstration (demo.c)
 *   test[=name]      the in-QEMU test suite, or one test of it
 *   workload=...     one benchmark run (workloads/virt)
 * then reports to the kernel, which stops QEMU with the status.
 */
#include "root.h"

static bool word_is(const char *args, const char *w)
{
	size_t n = strlen(w);
	return strncmp(args, w, n) == 0 && (args[n] == '\0' || args[n] == ' ' || args[n] == '=');
}

void root_main(uint64_t bootinfo_va)
{
	const struct bootinfo *bi = (const struct bootinfo *)(uintptr_t)bootinfo_va;
	int status;
	if (bi->magic != BOOTINFO_MAGIC) {
		uprintf("root: bad boot info magic\n");
		status = 2;
	} else if (word_is(bi->bootargs, "test")) {
		status = run_tests(bi);
	} else if (word_is(bi->bootargs, "workload")) {
		status = run_workload(bi);
	} else {
		status = run_demo(bi);
	}
	sys_shutdown(ROOT_SLOT_CTRL, status);
	sys_exit(status);
}
