/*
 * A minimal check harness for the host unit tests: CHECK() records a
 * failure with its place and goes on; check_report() prints the tally and
 * gives the exit status.  Each test file's main() calls its tests in turn.
 */
#ifndef HOST_CHECK_H
#define HOST_CHECK_H

#include <stdio.h>

static unsigned check_count, check_failed;

#define CHECK(c) \
	do { \
		check_count++; \
		if (!(c)) { \
			check_failed++; \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
		} \
	} while (0)

#define CHECK_EQ(a, b) \
	do { \
		long long __a = (long long)(a), __b = (long long)(b); \
		check_count++; \
		if (__a != __b) { \
			check_failed++; \
			fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, \
			        __LINE__, #a, #b, __a, __b); \
		} \
	} while (0)

static inline int check_report(const char *suite)
{
	printf("%s: %u checks, %u failed\n", suite, check_count, check_failed);
	return check_failed ? 1 : 0;
}

#endif
