/* What the unit tests see of the fake runtime (fake_rt.c, wl_rt_plat.h). */
#ifndef WORKLOADS_FAKE_RT_H
#define WORKLOADS_FAKE_RT_H

#include "../../wl_rt.h"

struct fake_frame {
	char metric[32];
	int64_t per;
	uint64_t n;
	int64_t *samples;
};

struct fake_out {
	struct fake_frame frame[4];
	unsigned nframes;
	char error[512];   /* the root's first wl_rt_fail (a task's arrive through wl_rt_finish) */
};
extern struct fake_out fake_out;

/* Before each run: no frames, no error, no fault, the counter at 0. */
void fake_reset(void);
/* The root and the tasks saw the region at different addresses. */
bool fake_views_differ(void);

#endif
