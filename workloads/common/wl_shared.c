/* The table of the shared workloads (wl_shared.h). */
#include "wl_shared.h"

const struct wl_desc *const wl_shared_table[] = { &wl_null_syscall, &wl_yield, &wl_ntfn_pingpong,
                                                  &wl_ring_pingpong, &wl_mpsc };
const size_t wl_shared_count = sizeof wl_shared_table / sizeof wl_shared_table[0];
