/* perf_event counters over both processes of a run. See rt.h. */
#define _GNU_SOURCE
#include "rt.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int perf_open(uint32_t type, uint64_t config)
{
	struct perf_event_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = type;
	attr.config = config;
	attr.disabled = 1;
	attr.inherit = 1;   /* the child, forked later, counts too */
	attr.exclude_hv = 1;
	fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM)) {
		attr.exclude_kernel = 1;
		fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	}
	return fd;
}

void rt_perf_open(struct rt_perf *p)
{
	static const uint64_t sw[3] = { PERF_COUNT_SW_CONTEXT_SWITCHES,
					PERF_COUNT_SW_CPU_MIGRATIONS,
					PERF_COUNT_SW_PAGE_FAULTS };

	p->hw_errno = p->sw_errno = 0;
	p->hw[0] = perf_open(PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES);
	if (p->hw[0] < 0)
		p->hw_errno = errno;
	p->hw[1] = perf_open(PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS);
	if (p->hw[1] < 0 && p->hw_errno == 0)
		p->hw_errno = errno;
	for (int i = 0; i < 3; i++) {
		p->sw[i] = perf_open(PERF_TYPE_SOFTWARE, sw[i]);
		if (p->sw[i] < 0 && p->sw_errno == 0)
			p->sw_errno = errno;
	}
}

static void perf_each(struct rt_perf *p, unsigned long req)
{
	for (int i = 0; i < 2; i++)
		if (p->hw[i] >= 0)
			ioctl(p->hw[i], req, 0);
	for (int i = 0; i < 3; i++)
		if (p->sw[i] >= 0)
			ioctl(p->sw[i], req, 0);
}

void rt_perf_enable(struct rt_perf *p)
{
	perf_each(p, PERF_EVENT_IOC_RESET);
	perf_each(p, PERF_EVENT_IOC_ENABLE);
}

void rt_perf_disable(struct rt_perf *p)
{
	perf_each(p, PERF_EVENT_IOC_DISABLE);
}

static bool perf_read(int fd, uint64_t *v)
{
	return fd >= 0 && read(fd, v, sizeof(*v)) == (ssize_t)sizeof(*v);
}

static const char *errno_name(int e)
{
	const char *n = strerrorname_np(e);
	return n != NULL ? n : "unknown";
}

void rt_perf_report(struct rt_perf *p)
{
	char line[256];
	uint64_t v[3];

	/* Counts cover both tasks during the measured iterations only. */
	if (perf_read(p->hw[0], &v[0]) && perf_read(p->hw[1], &v[1])) {
		snprintf(line, sizeof(line), "perf_hw=ok perf_cycles=%llu perf_instructions=%llu",
			 (unsigned long long)v[0], (unsigned long long)v[1]);
	} else {
		snprintf(line, sizeof(line), "perf_hw=unsupported perf_hw_errno=%s",
			 errno_name(p->hw_errno != 0 ? p->hw_errno : EIO));
	}
	stream_info(&rt_out, line);
	if (perf_read(p->sw[0], &v[0]) && perf_read(p->sw[1], &v[1]) &&
	    perf_read(p->sw[2], &v[2])) {
		snprintf(line, sizeof(line),
			 "sw_context_switches=%llu sw_cpu_migrations=%llu sw_page_faults=%llu",
			 (unsigned long long)v[0], (unsigned long long)v[1],
			 (unsigned long long)v[2]);
	} else {
		snprintf(line, sizeof(line), "perf_sw=unsupported perf_sw_errno=%s",
			 errno_name(p->sw_errno != 0 ? p->sw_errno : EIO));
	}
	stream_info(&rt_out, line);
	for (int i = 0; i < 2; i++)
		if (p->hw[i] >= 0)
			close(p->hw[i]);
	for (int i = 0; i < 3; i++)
		if (p->sw[i] >= 0)
			close(p->sw[i]);
}
