/* The check macro of the host unit tests of workloads/: counts checks and
 * failures, names the failing line, never stops the test. */
#ifndef WORKLOADS_TEST_CHECK_H
#define WORKLOADS_TEST_CHECK_H

#include <stdio.h>

static int failures, checks;

#define CHECK(cond)                                                            \
	do {                                                                   \
		checks++;                                                      \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
			failures++;                                            \
		}                                                              \
	} while (0)

#endif
