/* The workload tables of the virt platform (one per source file). */
#ifndef WORKLOADS_WL_H
#define WORKLOADS_WL_H
#include "params.h"
extern const struct wl_desc wl_kernel_table[];
extern const size_t wl_kernel_count;
extern const struct wl_desc wl_ring_table[];
extern const size_t wl_ring_count;
#endif
