/*
 * The Linux runtime, the parts every other one uses: the result stream on
 * stdout, the first failure's message, the names of the common parameters.
 * Timer: rt_timer.c; perf counters: rt_perf.c; the two processes: rt_pair.c;
 * host metadata: rt_host.c.  See rt.h.
 */
#define _GNU_SOURCE
#include "rt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *const rt_placement_names[] = { "same", "cross", NULL };
const char *const rt_timer_names[] = { "cpu", "clock_gettime", NULL };
const char *const rt_waker_names[] = { "futex", "eventfd", NULL };

/* ---- platform, mode and unit ------------------------------------------------ */

bool rt_linux_virt(void)
{
	return strcmp(RT_PLATFORM, "linux-virt") == 0;
}

int rt_mode_check(struct wl_args *args, const char *words, char *err, size_t len)
{
	if (strcmp(args->mode, "exact") != 0 || rt_linux_virt())
		return 0;
	/* wl_parse's default is exact: a native run without a mode word is timed. */
	if (strstr(words, "mode=exact") != NULL) {
		snprintf(err, len, "mode=exact needs the virt platform (QEMU -icount): this runner "
			 "is built for %s, whose runs are mode=timed", RT_PLATFORM);
		return -1;
	}
	strcpy(args->mode, "timed");
	return 0;
}

bool rt_frame_kv(const struct wl_args *a, const char *metric, const struct rt_timer *t,
		 int64_t per, char *buf, size_t len)
{
	const char *unit = strcmp(a->mode, "exact") == 0 ? "instructions" : "ns";

	return wl_frame_kv(a, metric, unit, t->counter, RT_PLATFORM, rt_timer_overhead_ns(t),
			   per, buf, len);
}

/* ---- output and errors ------------------------------------------------------ */

static void stdout_write(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	fwrite(s, 1, n, stdout);
}

struct stream rt_out = { .write = stdout_write };

static char parent_err[RT_ERR_MAX];
static char *err_buf = parent_err; /* the child's points into the shared region */
static size_t err_len = sizeof(parent_err);

void rt_fail_into(char *buf, size_t len)
{
	err_buf = buf;
	err_len = len;
	err_buf[0] = '\0';
}

void rt_fail_take(char *out, size_t len)
{
	snprintf(out, len, "%s", err_buf);
	err_buf[0] = '\0';
}

void rt_fail(const char *fmt, ...)
{
	va_list ap;

	if (err_buf[0] != '\0')
		return; /* keep the first cause */
	va_start(ap, fmt);
	vsnprintf(err_buf, err_len, fmt, ap);
	va_end(ap);
}

bool rt_failed(void)
{
	return err_buf[0] != '\0';
}

const char *rt_error(void)
{
	return err_buf[0] != '\0' ? err_buf : "failed (no message)";
}

void rt_cpu_relax(void)
{
#if defined(__x86_64__)
	__asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}
