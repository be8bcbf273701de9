/*
 * Unit test of the message checker (msg.c): it accepts message i as i and
 * rejects every other message, every single flipped byte, and a message of
 * another seed; and the IPCLAB_DEBUG_CORRUPT parser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../msg.h"

#include "../../common/test/check.h"

static void test_sizes(void)
{
	static const size_t sizes[] = { 1, 2, 7, 8, 9, 15, 16, 63, 64, 65, 4096, 65536 };
	unsigned char *buf = malloc(65536), *other = malloc(65536);
	char err[256];

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s];

		for (uint64_t seq = 0; seq < 300; seq += 37) {
			msg_fill(buf, n, 7, seq);
			CHECK(msg_check(buf, n, 7, seq, err, sizeof(err)) == 0);
			/* Another position in the order. */
			CHECK(msg_check(buf, n, 7, seq + 1, err, sizeof(err)) != 0);
			if (seq > 0)
				CHECK(msg_check(buf, n, 7, seq - 1, err, sizeof(err)) != 0);
			/* Another run's message. */
			if (n > 8)
				CHECK(msg_check(buf, n, 8, seq, err, sizeof(err)) != 0);
		}
		/* Every single flipped byte of a message is caught (sampled for
		 * the big ones). */
		msg_fill(buf, n, 3, 1000);
		for (size_t i = 0; i < n; i += n > 256 ? 61 : 1) {
			memcpy(other, buf, n);
			other[i] ^= 0x01;
			CHECK(msg_check(other, n, 3, 1000, err, sizeof(err)) != 0);
		}
		memcpy(other, buf, n);
		msg_corrupt(other, n);
		CHECK(msg_check(other, n, 3, 1000, err, sizeof(err)) != 0);
	}
	free(buf);
	free(other);
}

static void test_messages(void)
{
	unsigned char buf[64];
	char err[256];

	msg_fill(buf, sizeof(buf), 1, 6);
	CHECK(msg_check(buf, sizeof(buf), 1, 5, err, sizeof(err)) != 0);
	CHECK(strcmp(err, "message 5 out of order: it carries sequence 6") == 0);
	msg_fill(buf, sizeof(buf), 1, 5);
	buf[20] ^= 0xff;
	CHECK(msg_check(buf, sizeof(buf), 1, 5, err, sizeof(err)) != 0);
	CHECK(strncmp(err, "message 5 corrupt: byte 20 of 64 is 0x", 38) == 0);
	/* A message shorter than the sequence field: still caught. */
	msg_fill(buf, 3, 1, 5);
	CHECK(msg_check(buf, 3, 1, 4, err, sizeof(err)) != 0);
	CHECK(strncmp(err, "message 4 corrupt: byte 0 of 3", 30) == 0);
}

static void test_debug_env(void)
{
	struct msg_debug d;
	char err[256];

	unsetenv("IPCLAB_DEBUG_CORRUPT");
	CHECK(msg_debug_from_env(&d, err, sizeof(err)) == 0 && d.fault == MSG_FAULT_NONE);
	setenv("IPCLAB_DEBUG_CORRUPT", "req:5", 1);
	CHECK(msg_debug_from_env(&d, err, sizeof(err)) == 0 && d.fault == MSG_FAULT_REQ &&
	      d.at == 5);
	setenv("IPCLAB_DEBUG_CORRUPT", "rep:0", 1);
	CHECK(msg_debug_from_env(&d, err, sizeof(err)) == 0 && d.fault == MSG_FAULT_REP &&
	      d.at == 0);
	setenv("IPCLAB_DEBUG_CORRUPT", "seq:12", 1);
	CHECK(msg_debug_from_env(&d, err, sizeof(err)) == 0 && d.fault == MSG_FAULT_SEQ &&
	      d.at == 12);
	setenv("IPCLAB_DEBUG_CORRUPT", "drop:3", 1);
	CHECK(msg_debug_from_env(&d, err, sizeof(err)) == 0 && d.fault == MSG_FAULT_DROP &&
	      d.at == 3);
	static const char *const bad[] = { "req", "req:", "req:x", "req:5x", "dup:1", "req:-1",
					   "drop:", "drop" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("IPCLAB_DEBUG_CORRUPT", bad[i], 1);
		CHECK(msg_debug_from_env(&d, err, sizeof(err)) != 0 &&
		      d.fault == MSG_FAULT_NONE && strstr(err, bad[i]) != NULL);
	}
	unsetenv("IPCLAB_DEBUG_CORRUPT");
}

int main(void)
{
	test_sizes();
	test_messages();
	test_debug_env();
	if (failures != 0) {
		fprintf(stderr, "test_msg: %d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("test_msg: all %d checks passed\n", checks);
	return 0;
}
