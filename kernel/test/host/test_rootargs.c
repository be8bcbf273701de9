/*
 * user/root/args.c: what the root task makes of its boot arguments.  No
 * word: the demonstration; test, test=<name>: the suite; any
 * workload=... word: a workload run; everything else refused with a
 * message naming the words, and arguments longer than the boot info holds
 * (or with a NUL inside) refused rather than cut.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ipclab/abi.h>
#include "check.h"
#include "../../../user/root/args.h"

static struct root_cmd cmd;

static enum root_mode parse(const char *args)
{
	memset(&cmd, 0x55, sizeof cmd);
	root_parse_args(args, strlen(args), &cmd);
	CHECK(strlen(cmd.why) < sizeof cmd.why);
	if (cmd.mode == ROOT_REFUSED)
		CHECK(cmd.why[0] != '\0');
	return cmd.mode;
}

#define REFUSED_NAMING(args, word) \
	do { \
		CHECK_EQ(parse(args), ROOT_REFUSED); \
		if (!strstr(cmd.why, word)) \
			fprintf(stderr, "for '%s': '%s' does not name %s\n", args, cmd.why, word); \
		CHECK(strstr(cmd.why, word) != NULL); \
	} while (0)

static void test_demo(void)
{
	CHECK_EQ(parse(""), ROOT_DEMO);
	CHECK_EQ(parse("  \t\r\n "), ROOT_DEMO);
}

static void test_tests(void)
{
	CHECK_EQ(parse("test"), ROOT_TESTS);
	CHECK_EQ(cmd.test[0], '\0');
	CHECK_EQ(parse("  test  "), ROOT_TESTS);
	CHECK_EQ(cmd.test[0], '\0');
	CHECK_EQ(parse("test=ep_reply"), ROOT_TESTS);
	CHECK(strcmp(cmd.test, "ep_reply") == 0);
	CHECK_EQ(parse("\ttest=ntfn_fifo "), ROOT_TESTS);
	CHECK(strcmp(cmd.test, "ntfn_fifo") == 0);
	char name[100] = "test=";
	memset(name + 5, 'n', ROOT_TEST_NAME_MAX - 1);    /* the longest name */
	CHECK_EQ(parse(name), ROOT_TESTS);
	CHECK_EQ(strlen(cmd.test), ROOT_TEST_NAME_MAX - 1);
	name[5 + ROOT_TEST_NAME_MAX - 1] = 'n';           /* one more */
	REFUSED_NAMING(name, "longer");
	REFUSED_NAMING("test=", "names no test");
	/* Nothing may follow: every extra word is named. */
	REFUSED_NAMING("test extra", "'extra'");
	REFUSED_NAMING("test=ep_reply seed=3 x", "'seed=3' 'x'");
	CHECK(strstr(cmd.why, "ep_reply") == NULL);
}

static void test_workload(void)
{
	CHECK_EQ(parse("workload=null_syscall"), ROOT_WORKLOAD);
	CHECK_EQ(parse("iterations=5 workload=ep_call words=3"), ROOT_WORKLOAD);
	/* The workload parser judges these (and says what is wrong). */
	CHECK_EQ(parse("workload"), ROOT_WORKLOAD);
	CHECK_EQ(parse("test workload=x"), ROOT_WORKLOAD);
	CHECK_EQ(parse("junk workload=list"), ROOT_WORKLOAD);
}

static void test_refused(void)
{
	REFUSED_NAMING("foo", "'foo'");
	REFUSED_NAMING("testing", "'testing'");
	REFUSED_NAMING("workloads=x", "'workloads=x'");
	REFUSED_NAMING("tests=all", "'tests=all'");
	REFUSED_NAMING("  a b=1\tc  ", "'a' 'b=1' 'c'");
	/* Too many to name: the message stays a line and says there is more. */
	char many[BOOTARGS_MAX] = "";
	for (int i = 0; i < 100; i++)
		strcat(many, "word ");
	REFUSED_NAMING(many, "'word' ...");
}

/* The arguments held are BOOTARGS_MAX - 1 bytes at most; `len` is the
 * true length the kernel read. */
static void test_length(void)
{
	static char held[BOOTARGS_MAX];
	memset(held, ' ', BOOTARGS_MAX - 1);
	memcpy(held, "test=ep_reply", 13);
	held[BOOTARGS_MAX - 1] = '\0';
	memset(&cmd, 0, sizeof cmd);
	root_parse_args(held, BOOTARGS_MAX - 1, &cmd);     /* exactly full: fine */
	CHECK_EQ(cmd.mode, ROOT_TESTS);
	CHECK(strcmp(cmd.test, "ep_reply") == 0);
	const uint64_t longer[] = { BOOTARGS_MAX, BOOTARGS_MAX + 1, 1500, 1u << 20 };
	for (size_t i = 0; i < sizeof longer / sizeof longer[0]; i++) {
		memset(&cmd, 0, sizeof cmd);
		root_parse_args(held, longer[i], &cmd);       /* cut by the kernel: refused */
		CHECK_EQ(cmd.mode, ROOT_REFUSED);
		char want[32];
		snprintf(want, sizeof want, "%lu bytes", (unsigned long)longer[i]);
		CHECK(strstr(cmd.why, want) != NULL);
		CHECK(strstr(cmd.why, "not cut") != NULL);
	}
	/* A NUL inside: the words after it would be lost. */
	memset(&cmd, 0, sizeof cmd);
	root_parse_args("test", 9, &cmd);                  /* "test\0more" */
	CHECK_EQ(cmd.mode, ROOT_REFUSED);
	CHECK(strstr(cmd.why, "NUL byte at offset 4") != NULL);
}

int main(void)
{
	test_demo();
	test_tests();
	test_workload();
	test_refused();
	test_length();
	return check_report("rootargs");
}
