/* INFO lines about the host a Linux run ran on. See rt.h. */
#define _GNU_SOURCE
#include "rt.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Stream values may not hold spaces: keep a safe set, '_' for the rest. */
static void sanitize(char *s)
{
	for (; *s != '\0'; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
		      c == '+' || c == '@' || c == '(' || c == ')'))
			*s = '_';
	}
}

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(buf, len, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "model name", 10) == 0 || strncmp(line, "CPU part", 8) == 0) {
			char *v = strchr(line, ':');
			if (v == NULL)
				continue;
			v++;
			while (*v == ' ' || *v == '\t')
				v++;
			v[strcspn(v, "\n")] = '\0';
			if (*v != '\0')
				snprintf(buf, len, "%s", v);
			break;
		}
	}
	fclose(f);
	sanitize(buf);
}

/* x86: a TSC that ticks at one rate in every P- and C-state (the kernel's
 * constant_tsc and nonstop_tsc flags); otherwise cycles are not time. */
static const char *tsc_invariant(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	static char line[4096];
	const char *answer = "unknown";

	if (f == NULL)
		return answer;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "flags", 5) == 0) {
			answer = strstr(line, " constant_tsc") != NULL &&
					 strstr(line, " nonstop_tsc") != NULL
				 ? "yes" : "no";
			break;
		}
	}
	fclose(f);
	return answer;
}

void rt_info_host(const struct rt_pair *p, const struct rt_timer *t)
{
	char line[512], model[160], rel[128] = "unknown";
	struct utsname u;

	cpu_model(model, sizeof(model));
	if (uname(&u) == 0) {
		snprintf(rel, sizeof(rel), "%s", u.release);
		sanitize(rel);
	}
	snprintf(line, sizeof(line), "host_cpu=%s host_cpus=%ld kernel=%s", model,
		 sysconf(_SC_NPROCESSORS_ONLN), rel);
	stream_info(&rt_out, line);
	snprintf(line, sizeof(line),
		 "ping_cpu=%d pong_cpu=%d timer_counter=%s timer_hz=%llu timer_overhead_ticks=%llu",
		 p->cpu[0], p->cpu[1], t->counter, (unsigned long long)t->hz,
		 (unsigned long long)t->overhead_ticks);
	if (strcmp(t->counter, "tsc") == 0) {
		size_t n = strlen(line);
		snprintf(line + n, sizeof(line) - n, " tsc_invariant=%s", tsc_invariant());
	}
	stream_info(&rt_out, line);
}
