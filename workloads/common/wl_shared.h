/*
 * The shared workloads: written once against the runtime interface
 * (wl_rt.h), one a file (wl_<name>.c), registered by every platform's
 * runtime from this table.  What each measures: workloads/README.md.
 */
#ifndef WORKLOADS_WL_SHARED_H
#define WORKLOADS_WL_SHARED_H

#include "params.h"

extern const struct wl_desc wl_null_syscall, wl_yield, wl_ntfn_pingpong, wl_ring_pingpong,
	wl_mpsc;

/* Every shared workload, for a platform's registry. */
extern const struct wl_desc *const wl_shared_table[];
extern const size_t wl_shared_count;

#endif
