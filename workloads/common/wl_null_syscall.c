/*
 * null_syscall: the cheapest round trip into the kernel and back, the
 * floor under every other syscall figure.  virt: SYS_NULL; Linux:
 * getppid(2) (no vDSO shortcut, no work).  One sample is one call, timed
 * from just before the trap to just after the return (wl_rt_timed_null),
 * less the same sequence without the syscall.
 */
#include "wl_rt.h"
#include "wl_shared.h"

static int run(const struct wl_args *a)
{
	if (wl_rt_begin(a, WL_RT_NULL))
		return 1;
	uint64_t n = (uint64_t)wl_get(a, "iterations"), w = (uint64_t)wl_get(a, "warmup");
	int64_t *s = wl_rt_samples(n);
	if (!s)
		return 1;
	for (uint64_t i = 0; i < w + n; i++) {
		int64_t r;
		uint64_t d = wl_rt_timed_null(&r);
		if (r)
			return wl_rt_fail("null syscall returned %ld", (long)r);
		if (i >= w)
			s[i - w] = wl_rt_sample(0, d);
	}
	return wl_rt_frame(a, "null", 1, s, n);
}

static const struct wl_param params[] = { WL_RT_PARAMS(1000, 100, 0) };

const struct wl_desc wl_null_syscall = {
	.name = "null_syscall", .summary = "the null syscall round trip",
	.params = params, .nparams = sizeof params / sizeof params[0], .run = run,
};
