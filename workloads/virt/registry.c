/*
 * run_workload(): the root task's entry for `workload=...` boot arguments.
 * Parses the words against every workload table, answers `workload=list`,
 * runs one workload, and ends the stream with DONE.  The shared workloads
 * run on this platform through the ipclab runtime (rt_wl.c).
 */
#include "root.h"
#include "virt.h"
#include "wl.h"
#include "wl_shared.h"

static struct wl_desc all[32];

int run_workload(const struct bootinfo *bi)
{
	size_t n = 0;
	/* The shared workloads (workloads/common/wl_*.c), then the kernel's own. */
	for (size_t i = 0; i < wl_shared_count; i++)
		all[n++] = *wl_shared_table[i];
	for (size_t i = 0; i < wl_kernel_count; i++)
		all[n++] = wl_kernel_table[i];
	for (size_t i = 0; i < wl_ring_count; i++)
		all[n++] = wl_ring_table[i];
	wl_env_init(bi);
	if (wl_wants_list(bi->bootargs)) {
		wl_list(&wl_out, all, n);
		return 0;
	}
	struct wl_args args;
	char err[200];
	if (wl_parse(all, n, bi->bootargs, &args, err, sizeof err) != WL_OK) {
		stream_error(&wl_out, err);
		stream_done(&wl_out, false);
		return 1;
	}
	if (wl_check_placement(&args)) {
		stream_done(&wl_out, false);
		return 1;
	}
	stream_info(&wl_out, "cpu=cortex-a53 kernel=ipclab");
	int rc = args.desc->run(&args);
	stream_done(&wl_out, rc == 0);
	return rc;
}
