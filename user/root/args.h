/*
 * What the boot arguments ask the root task to do, decided apart from
 * root.c so that host tests can check it (kernel/test/host/test_rootargs.c).
 *
 * The arguments are words split at spaces, tabs and line ends:
 *   (no word)               the seed's demonstration
 *   test                    the in-QEMU test suite
 *   test=<name>             one test of it
 *   ... workload=<name> ... one workload run: every word is then the
 *                           workload parser's to judge (workloads/common/
 *                           params.c), and it reports errors in the stream
 * Anything else is refused with a message that names the words not
 * understood (a word after `test` included); so are arguments longer than
 * the boot info holds (never cut: the kernel reports their true length in
 * bootinfo.bootargs_len) and arguments with a NUL byte inside.
 */
#ifndef ROOT_ARGS_H
#define ROOT_ARGS_H

#include <stdint.h>

enum root_mode { ROOT_DEMO, ROOT_TESTS, ROOT_WORKLOAD, ROOT_REFUSED };

#define ROOT_TEST_NAME_MAX 64   /* with its NUL */

struct root_cmd {
	enum root_mode mode;
	char test[ROOT_TEST_NAME_MAX];  /* ROOT_TESTS: the one test asked for, "" for all */
	char why[256];                  /* ROOT_REFUSED: what is wrong, one line */
};

/* args: the NUL-terminated arguments as the boot info holds them; len:
 * their true length (bootinfo.bootargs_len), which exceeds strlen(args)
 * when they were cut or hold a NUL. */
void root_parse_args(const char *args, uint64_t len, struct root_cmd *cmd);

#endif
