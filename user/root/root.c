/*
 * The root task: the first user code to run.  It holds every initial
 * capability, reads the boot arguments (args.h says what they may be) and
 * runs what they ask for:
 *   (nothing)        the seed's demonstration (demo.c)
 *   test[=name]      the in-QEMU test suite, or one test of it
 *   workload=...     one benchmark run (workloads/virt)
 * then stops the machine with the outcome as QEMU's exit status (enum
 * ipclab_exit).  Arguments it does not understand are refused, with a
 * line naming them, rather than ignored.
 */
#include "args.h"
#include "root.h"

/* Whatever a workload returns, the exit status says only ok, refused
 * arguments or failed: its other values are not the workload's to give. */
static enum ipclab_exit workload_status(int rc)
{
	if (rc == IPCLAB_EXIT_OK || rc == IPCLAB_EXIT_ARGS)
		return (enum ipclab_exit)rc;
	return IPCLAB_EXIT_FAILED;
}

static enum ipclab_exit run(const struct bootinfo *bi)
{
	if (bi->magic != BOOTINFO_MAGIC) {
		uprintf("root: bad boot info magic %lx\n", bi->magic);
		return IPCLAB_EXIT_BOOTINFO;
	}
	static struct root_cmd cmd;
	root_parse_args(bi->bootargs, bi->bootargs_len, &cmd);
	switch (cmd.mode) {
	case ROOT_DEMO:
		return run_demo(bi);
	case ROOT_TESTS:
		return run_tests(bi, cmd.test);
	case ROOT_WORKLOAD:
		return workload_status(run_workload(bi));
	case ROOT_REFUSED:
	default:
		uprintf("root: %s\n", cmd.why);
		uprintf("root: the image takes no argument (the demonstration), test, test=<name>, "
		        "or workload=<name> with its parameters (workload=list shows them)\n");
		return IPCLAB_EXIT_ARGS;
	}
}

void root_main(uint64_t bootinfo_va)
{
	enum ipclab_exit status = run((const struct bootinfo *)(uintptr_t)bootinfo_va);
	sys_shutdown(ROOT_SLOT_CTRL, status);
	sys_exit(status);
}
