/*
 * Host unit tests of workloads/common: CRC-32 vectors, sample formatting,
 * the stream's exact bytes, every parser error, wl_header and the registry
 * listing. Built with AddressSanitizer and UBSan; exits non-zero on the
 * first failed check.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../params.h"
#include "../stream.h"

#include "check.h"

#define CHECK_STR(got, want)                                                   \
	do {                                                                   \
		checks++;                                                      \
		if (strcmp((got), (want)) != 0) {                              \
			fprintf(stderr, "%s:%d: got  '%s'\n%*swant '%s'\n",    \
				__FILE__, __LINE__, (got),                     \
				(int)strlen(__FILE__) + 8, "", (want));        \
			failures++;                                            \
		}                                                              \
	} while (0)

/* ---- a stream that captures into memory ---- */

struct capture {
	char buf[8192];
	size_t n;
	int calls;
};

static void cap_write(void *ctx, const char *s, size_t n)
{
	struct capture *c = ctx;

	if (c->n + n >= sizeof(c->buf)) {
		fprintf(stderr, "capture overflow\n");
		exit(2);
	}
	memcpy(c->buf + c->n, s, n);
	c->n += n;
	c->buf[c->n] = '\0';
	c->calls++;
}

static struct capture cap;

static struct stream cap_stream(void)
{
	struct stream st = { .write = cap_write, .ctx = &cap };
	cap.n = 0;
	cap.buf[0] = '\0';
	return st;
}

/* ---- CRC and formatting ---- */

static void test_crc(void)
{
	const char *fox = "The quick brown fox jumps over the lazy dog";

	CHECK(crc32_update(0, "123456789", 9) == 0xcbf43926u);
	CHECK(crc32_update(0, "", 0) == 0);
	CHECK(crc32_update(0, "a", 1) == 0xe8b7be43u);
	CHECK(crc32_update(0, fox, strlen(fox)) == 0x414fa339u);
	CHECK(crc32_update(0, "312\n311\n", 8) == 0x82c9ad52u);
	/* Chaining equals one call over the concatenation. */
	CHECK(crc32_update(crc32_update(0, "1234", 4), "56789", 5) == 0xcbf43926u);
	CHECK(crc32_update(crc32_update(0, "", 0), "123456789", 9) == 0xcbf43926u);
}

static const char *fmt(size_t (*f)(char *, int64_t), int64_t v)
{
	static char buf[FMT_INT_MAX + 1];
	size_t n = f(buf, v);
	buf[n] = '\0';
	return buf;
}

static void test_fmt(void)
{
	char buf[FMT_INT_MAX + 1];
	size_t n;

	CHECK_STR(fmt(fmt_i64, 0), "0");
	CHECK_STR(fmt(fmt_i64, 7), "7");
	CHECK_STR(fmt(fmt_i64, -1), "-1");
	CHECK_STR(fmt(fmt_i64, 312), "312");
	CHECK_STR(fmt(fmt_i64, -1000000), "-1000000");
	CHECK_STR(fmt(fmt_i64, INT64_MAX), "9223372036854775807");
	CHECK_STR(fmt(fmt_i64, INT64_MIN), "-9223372036854775808");
	n = fmt_u64(buf, UINT64_MAX);
	buf[n] = '\0';
	CHECK(n == FMT_INT_MAX);
	CHECK_STR(buf, "18446744073709551615");
	n = fmt_hex32(buf, 0x0000abcdu);
	buf[n] = '\0';
	CHECK_STR(buf, "0000abcd");
	n = fmt_hex32(buf, 0xffffffffu);
	buf[n] = '\0';
	CHECK_STR(buf, "ffffffff");
}

/* ---- the stream's bytes ---- */

/* The CRC of a v2 frame as FORMAT.md defines it, computed here on its own:
 * the BEGIN line (its "\n" included), then each sample's decimal + "\n". */
static uint32_t frame_crc(const char *begin_line, const int64_t *v, size_t n)
{
	char text[64];
	uint32_t crc = crc32_update(0, begin_line, strlen(begin_line));

	for (size_t i = 0; i < n; i++) {
		int k = snprintf(text, sizeof(text), "%lld\n", (long long)v[i]);
		crc = crc32_update(crc, text, (size_t)k);
	}
	return crc;
}

static void test_stream(void)
{
	struct stream st = cap_stream();
	char want[512];
	static const int64_t two[] = { 312, 311 };
	static const int64_t ext[] = { INT64_MIN, 0, INT64_MAX, -1 };

	stream_frame(&st, "workload=x metric=m unit=ns", two, 2);
	stream_done(&st, true);
	/* The CRC covers the header: the same samples under another BEGIN give
	 * another CRC. */
	CHECK(frame_crc("IPCLAB v2 BEGIN workload=x metric=m unit=ns samples=2\n", two, 2) ==
	      0xcb3f8730u);
	CHECK(frame_crc("IPCLAB v2 BEGIN workload=y metric=m unit=ns samples=2\n", two, 2) !=
	      0xcb3f8730u);
	CHECK_STR(cap.buf, "IPCLAB v2 BEGIN workload=x metric=m unit=ns samples=2\n"
			   "S 312\n"
			   "S 311\n"
			   "IPCLAB v2 END count=2 crc32=cb3f8730\n"
			   "IPCLAB v2 DONE status=ok\n");

	/* Negative samples and the extremes; each frame's CRC starts afresh. */
	st = cap_stream();
	stream_frame(&st, "a=1", two, 1);
	cap.n = 0;
	stream_frame(&st, "a=2", ext, 4);
	snprintf(want, sizeof(want),
		 "IPCLAB v2 BEGIN a=2 samples=4\n"
		 "S -9223372036854775808\n"
		 "S 0\n"
		 "S 9223372036854775807\n"
		 "S -1\n"
		 "IPCLAB v2 END count=4 crc32=%08x\n",
		 (unsigned)frame_crc("IPCLAB v2 BEGIN a=2 samples=4\n", ext, 4));
	CHECK_STR(cap.buf, want);

	/* No empty frame: an ERROR instead, and nothing that looks like a frame. */
	st = cap_stream();
	stream_frame(&st, "workload=x metric=m", two, 0);
	CHECK_STR(cap.buf, "IPCLAB v2 ERROR refusing an empty frame (no samples): "
			   "workload=x metric=m\n");
	/* samples= is stream_frame's to write. */
	st = cap_stream();
	stream_frame(&st, "workload=x samples=3", two, 2);
	CHECK(strstr(cap.buf, "IPCLAB v2 ERROR refusing a frame whose header already holds "
			      "samples=") == cap.buf);
	CHECK(strstr(cap.buf, "BEGIN") == NULL);
	st = cap_stream();
	stream_frame(&st, "workload=x nsamples=3", two, 1);  /* another key: fine */
	CHECK(strstr(cap.buf, "IPCLAB v2 BEGIN workload=x nsamples=3 samples=1\n") == cap.buf);

	/* ERROR keeps to one line; INFO, WORKLOAD and DONE fail. */
	st = cap_stream();
	stream_error(&st, "two\nlines\r\nhere");
	stream_info(&st, "cpu=x counter=tsc");
	stream_workload(&st, "w", "iterations:1:10:5");
	stream_done(&st, false);
	CHECK_STR(cap.buf, "IPCLAB v2 ERROR two lines  here\n"
			   "IPCLAB v2 INFO cpu=x counter=tsc\n"
			   "IPCLAB v2 WORKLOAD name=w params=iterations:1:10:5\n"
			   "IPCLAB v2 DONE status=fail\n");

	/* Many samples: count and CRC agree with a CRC computed here. */
	st = cap_stream();
	{
		int64_t many[100];
		size_t n = 0;

		for (int64_t v = -300; v < 300; v += 7)
			many[n++] = v * 1000003;
		stream_frame(&st, "a=4", many, n);
		snprintf(want, sizeof(want), "IPCLAB v2 END count=%zu crc32=%08x\n", n,
			 (unsigned)frame_crc("IPCLAB v2 BEGIN a=4 samples=86\n", many, n));
		CHECK(n == 86);
		CHECK(strstr(cap.buf, want) != NULL);
	}
}

static void test_reserved(void)
{
	/* The list the C side refuses; bench/tests/test_schema.py compares it
	 * with bench/schema.py's. */
	CHECK(stream_key_reserved("metric", 6));
	CHECK(stream_key_reserved("samples", 7));
	CHECK(stream_key_reserved("unitx", 4));   /* the first 4 bytes: "unit" */
	CHECK(!stream_key_reserved("units", 5));
	CHECK(!stream_key_reserved("uni", 3));
	CHECK(!stream_key_reserved("", 0));
}

/* ---- the parser ---- */

static const char *const to_names[] = { "high", "low", "none", NULL };
static const char *const space_names[] = { "same", "diff", NULL };

static const struct wl_param ntfn_params[] = {
	{ .name = "to", .def = 0, .choices = to_names },
};
static const struct wl_param ep_params[] = {
	{ .name = "words", .min = 0, .max = 512, .def = 0 },
	{ .name = "space", .def = 1, .choices = space_names },
	{ .name = "delta", .min = -10, .max = 10, .def = -3 },
};
/* Overrides a common parameter's range and default. */
static const struct wl_param short_params[] = {
	{ .name = "iterations", .min = 1, .max = 50, .def = 10 },
	{ .name = "big", .min = INT64_MIN, .max = INT64_MAX, .def = 0 },
};
static const struct wl_param too_many_params[14] = {
	{ .name = "p0", .max = 1 }, { .name = "p1", .max = 1 },
	{ .name = "p2", .max = 1 }, { .name = "p3", .max = 1 },
	{ .name = "p4", .max = 1 }, { .name = "p5", .max = 1 },
	{ .name = "p6", .max = 1 }, { .name = "p7", .max = 1 },
	{ .name = "p8", .max = 1 }, { .name = "p9", .max = 1 },
	{ .name = "p10", .max = 1 }, { .name = "p11", .max = 1 },
	{ .name = "p12", .max = 1 }, { .name = "p13", .max = 1 },
};

/* A broken table: a parameter named like a reserved stream key. */
static const struct wl_param reserved_params[] = {
	{ .name = "per", .min = 1, .max = 10, .def = 1 },
};

static int run_nothing(const struct wl_args *a)
{
	(void)a;
	return 0;
}

static const struct wl_desc table[] = {
	{ "null_syscall", "a null syscall", NULL, 0, run_nothing },
	{ "ntfn_signal", "signal a notification", ntfn_params, 1, run_nothing },
	{ "ep_call", "endpoint call", ep_params, 3, run_nothing },
	{ "short", "overrides iterations", short_params, 2, run_nothing },
	{ "too_many", "a broken table", too_many_params, 14, run_nothing },
	{ "reserved", "a broken table", reserved_params, 1, run_nothing },
};
#define NTABLE (sizeof(table) / sizeof(table[0]))

static char err[256];
static struct wl_args args;

static int parse(const char *words)
{
	memset(&args, 0x5a, sizeof(args));
	strcpy(err, "untouched");
	return wl_parse(table, NTABLE, words, &args, err, sizeof(err));
}

/* Expect error `code` with exactly message `msg`. */
#define CHECK_ERR(words, code, msg)                                            \
	do {                                                                   \
		int rc_ = parse(words);                                        \
		CHECK(rc_ == (code));                                          \
		CHECK_STR(err, msg);                                           \
	} while (0)

static void test_parse_ok(void)
{
	char hdr[256];

	CHECK(parse("workload=ep_call") == 0);
	CHECK(args.desc == &table[2]);
	CHECK(wl_get(&args, "words") == 0);
	CHECK(wl_get(&args, "space") == 1);
	CHECK(wl_get(&args, "delta") == -3);
	CHECK(wl_get(&args, "iterations") == 1000);
	CHECK(wl_get(&args, "warmup") == 100);
	CHECK(wl_get(&args, "seed") == 1);
	CHECK(wl_get(&args, "nonesuch") == 0);
	CHECK_STR(args.mode, "exact");
	CHECK_STR(wl_get_choice(&args, "space"), "diff");
	CHECK(wl_get_choice(&args, "words") == NULL);
	CHECK(wl_get_choice(&args, "nonesuch") == NULL);

	/* Any order, any whitespace, negative numbers, both bounds. */
	CHECK(parse("  words=512\tspace=same\n workload=ep_call delta=-10 "
		    "iterations=16 warmup=0 seed=4294967295 mode=timed\r\n") == 0);
	CHECK(wl_get(&args, "words") == 512);
	CHECK(wl_get(&args, "space") == 0);
	CHECK_STR(wl_get_choice(&args, "space"), "same");
	CHECK(wl_get(&args, "delta") == -10);
	CHECK(wl_get(&args, "iterations") == 16);
	CHECK(wl_get(&args, "warmup") == 0);
	CHECK(wl_get(&args, "seed") == 4294967295LL);
	CHECK_STR(args.mode, "timed");

	CHECK(parse("workload=ntfn_signal to=none") == 0);
	CHECK(wl_get(&args, "to") == 2);

	CHECK(parse("workload=null_syscall mode=exact") == 0);
	CHECK(args.desc == &table[0]);
	wl_header(&args, hdr, sizeof(hdr));
	CHECK_STR(hdr, "iterations=1000 warmup=100 seed=1");

	/* An overridden common parameter: own range and default. */
	CHECK(parse("workload=short") == 0);
	CHECK(wl_get(&args, "iterations") == 10);
	CHECK(parse("workload=short iterations=50 big=-9223372036854775808") == 0);
	CHECK(wl_get(&args, "iterations") == 50);
	CHECK(wl_get(&args, "big") == INT64_MIN);
	CHECK(parse("workload=short big=9223372036854775807") == 0);
	CHECK(wl_get(&args, "big") == INT64_MAX);
	CHECK(parse("workload=ep_call delta=0") == 0);
	CHECK(wl_get(&args, "delta") == 0);
}

static void test_parse_errors(void)
{
	CHECK_ERR("workload=x", WL_ERR_UNKNOWN_WORKLOAD, "unknown workload 'x'");
	CHECK(args.desc == NULL);
	CHECK_ERR("workload=ep_call foo=1", WL_ERR_UNKNOWN_PARAM,
		  "unknown parameter 'foo' for workload ep_call");
	CHECK_ERR("workload=null_syscall to=high", WL_ERR_UNKNOWN_PARAM,
		  "unknown parameter 'to' for workload null_syscall");
	CHECK_ERR("workload=ep_call words=600", WL_ERR_RANGE,
		  "words=600 out of range 0..512");
	CHECK_ERR("workload=ep_call delta=-11", WL_ERR_RANGE,
		  "delta=-11 out of range -10..10");
	CHECK_ERR("workload=ep_call iterations=0", WL_ERR_RANGE,
		  "iterations=0 out of range 1..1000000");
	CHECK_ERR("workload=ep_call iterations=1000001", WL_ERR_RANGE,
		  "iterations=1000001 out of range 1..1000000");
	CHECK_ERR("workload=ep_call warmup=100001", WL_ERR_RANGE,
		  "warmup=100001 out of range 0..100000");
	CHECK_ERR("workload=ep_call seed=4294967296", WL_ERR_RANGE,
		  "seed=4294967296 out of range 0..4294967295");
	CHECK_ERR("workload=short iterations=51", WL_ERR_RANGE,
		  "iterations=51 out of range 1..50");
	CHECK_ERR("workload=ntfn_signal to=sideways", WL_ERR_CHOICE,
		  "to=sideways is not one of high,low,none");
	CHECK_ERR("workload=ntfn_signal to=HIGH", WL_ERR_CHOICE,
		  "to=HIGH is not one of high,low,none");
	CHECK_ERR("workload=ntfn_signal to=hig", WL_ERR_CHOICE,
		  "to=hig is not one of high,low,none");
	CHECK_ERR("workload=ep_call mode=fast", WL_ERR_CHOICE,
		  "mode=fast is not one of exact,timed");
	CHECK_ERR("", WL_ERR_NO_WORKLOAD,
		  "missing workload=<name> (workload=list shows them)");
	CHECK_ERR("words=1 space=same", WL_ERR_NO_WORKLOAD,
		  "missing workload=<name> (workload=list shows them)");
	CHECK_ERR("workload=ep_call words=1 words=2", WL_ERR_DUPLICATE,
		  "duplicate key 'words'");
	CHECK_ERR("workload=ep_call workload=ep_call", WL_ERR_DUPLICATE,
		  "duplicate key 'workload'");
	CHECK_ERR("workload=ep_call mode=exact mode=timed", WL_ERR_DUPLICATE,
		  "duplicate key 'mode'");
	CHECK_ERR("workload=ep_call seed=1 seed=1", WL_ERR_DUPLICATE,
		  "duplicate key 'seed'");
	CHECK_ERR("workload=ep_call words", WL_ERR_MALFORMED,
		  "malformed word 'words' (expected key=value, key in [a-z][a-z0-9_]*)");
	CHECK_ERR("workload=ep_call words=", WL_ERR_MALFORMED,
		  "malformed word 'words=' (expected key=value, key in [a-z][a-z0-9_]*)");
	CHECK_ERR("workload=ep_call =5", WL_ERR_MALFORMED,
		  "malformed word '=5' (expected key=value, key in [a-z][a-z0-9_]*)");
	CHECK_ERR("Workload=ep_call", WL_ERR_MALFORMED,
		  "malformed word 'Workload=ep_call' (expected key=value, key in [a-z][a-z0-9_]*)");
	CHECK_ERR("workload=ep_call wor-ds=1", WL_ERR_MALFORMED,
		  "malformed word 'wor-ds=1' (expected key=value, key in [a-z][a-z0-9_]*)");
	/* Malformed words are reported even before the workload is known. */
	CHECK_ERR("junk workload=nonesuch", WL_ERR_MALFORMED,
		  "malformed word 'junk' (expected key=value, key in [a-z][a-z0-9_]*)");
	CHECK_ERR("workload=ep_call words=12x", WL_ERR_NUMBER, "words=12x is not a decimal integer (digits only: no sign, no leading zero)");
	CHECK_ERR("workload=ep_call words=-", WL_ERR_NUMBER, "words=- is not a decimal integer (digits only: no sign, no leading zero)");
	CHECK_ERR("workload=ep_call words=0x", WL_ERR_NUMBER, "words=0x is not a decimal integer (digits only: no sign, no leading zero)");
	CHECK_ERR("workload=ep_call words=0x10", WL_ERR_NUMBER, "words=0x10 is not a decimal integer (digits only: no sign, no leading zero)");
	CHECK_ERR("workload=ep_call words=1.5", WL_ERR_NUMBER, "words=1.5 is not a decimal integer (digits only: no sign, no leading zero)");
	CHECK_ERR("workload=ep_call words=+1", WL_ERR_NUMBER, "words=+1 is not a decimal integer (digits only: no sign, no leading zero)");
	CHECK_ERR("workload=ep_call words=+5", WL_ERR_NUMBER, "words=+5 is not a decimal integer (digits only: no sign, no leading zero)");
	CHECK_ERR("workload=ep_call words=1e3", WL_ERR_NUMBER, "words=1e3 is not a decimal integer (digits only: no sign, no leading zero)");
	CHECK_ERR("workload=ep_call words=010", WL_ERR_NUMBER, "words=010 is not a decimal integer (digits only: no sign, no leading zero)");
	CHECK_ERR("workload=ep_call words=00", WL_ERR_NUMBER, "words=00 is not a decimal integer (digits only: no sign, no leading zero)");
	CHECK_ERR("workload=ep_call words=-0", WL_ERR_NUMBER, "words=-0 is not a decimal integer (digits only: no sign, no leading zero)");
	CHECK_ERR("workload=ep_call words=a=b", WL_ERR_NUMBER, "words=a=b is not a decimal integer (digits only: no sign, no leading zero)");
	CHECK_ERR("workload=ep_call delta=-0", WL_ERR_NUMBER,
		  "delta=-0 is not a decimal integer (digits, '-' for a negative, no leading zero)");
	CHECK_ERR("workload=ep_call delta=-010", WL_ERR_NUMBER,
		  "delta=-010 is not a decimal integer (digits, '-' for a negative, no leading zero)");
	CHECK_ERR("workload=ep_call delta=+3", WL_ERR_NUMBER,
		  "delta=+3 is not a decimal integer (digits, '-' for a negative, no leading zero)");
	CHECK_ERR("workload=ep_call delta=0x1", WL_ERR_NUMBER,
		  "delta=0x1 is not a decimal integer (digits, '-' for a negative, no leading zero)");
	CHECK_ERR("workload=ep_call delta=-", WL_ERR_NUMBER,
		  "delta=- is not a decimal integer (digits, '-' for a negative, no leading zero)");
	CHECK_ERR("workload=ep_call delta=--1", WL_ERR_NUMBER,
		  "delta=--1 is not a decimal integer (digits, '-' for a negative, no leading zero)");
	CHECK_ERR("workload=ep_call delta=1-", WL_ERR_NUMBER,
		  "delta=1- is not a decimal integer (digits, '-' for a negative, no leading zero)");
	CHECK_ERR("workload=short big=9223372036854775808", WL_ERR_NUMBER,
		  "big=9223372036854775808 is not a decimal integer (digits, '-' for a negative, no leading zero)");
	CHECK_ERR("workload=short big=-9223372036854775809", WL_ERR_NUMBER,
		  "big=-9223372036854775809 is not a decimal integer (digits, '-' for a negative, no leading zero)");
	CHECK_ERR("workload=short big=99999999999999999999999", WL_ERR_NUMBER,
		  "big=99999999999999999999999 is not a decimal integer (digits, '-' for a negative, no leading zero)");
	/* A '-' where the range has no negatives is a syntax error, not a range one. */
	CHECK_ERR("workload=ep_call iterations=-5", WL_ERR_NUMBER,
		  "iterations=-5 is not a decimal integer (digits only: no sign, no leading zero)");
	/* Reserved stream keys are no parameters, named or given. */
	CHECK_ERR("workload=ep_call metric=call", WL_ERR_RESERVED,
		  "'metric' is a key the result stream reserves, not a parameter");
	CHECK_ERR("workload=ep_call samples=5", WL_ERR_RESERVED,
		  "'samples' is a key the result stream reserves, not a parameter");
	CHECK_ERR("workload=null_syscall unit=ns", WL_ERR_RESERVED,
		  "'unit' is a key the result stream reserves, not a parameter");
	CHECK_ERR("workload=reserved", WL_ERR_TABLE,
		  "workload reserved: parameter 'per' is a reserved stream key");
	CHECK_ERR("workload=list", WL_ERR_LIST,
		  "workload=list asks for the registry, not a run");
	CHECK_ERR("workload=too_many", WL_ERR_TABLE,
		  "workload too_many has too many parameters");

	/* A small buffer truncates the message and stays NUL-terminated. */
	{
		char small[8];
		struct wl_args a;

		memset(small, 'x', sizeof(small));
		CHECK(wl_parse(table, NTABLE, "workload=nonesuch", &a, small,
			       sizeof(small)) == WL_ERR_UNKNOWN_WORKLOAD);
		CHECK_STR(small, "unknown");
		CHECK(wl_parse(table, NTABLE, "workload=nonesuch", &a, small, 0) ==
		      WL_ERR_UNKNOWN_WORKLOAD);
		CHECK(wl_parse(table, NTABLE, "workload=nonesuch", &a, NULL, 0) ==
		      WL_ERR_UNKNOWN_WORKLOAD);
	}

	CHECK(wl_wants_list("workload=list"));
	CHECK(wl_wants_list(" iterations=5 workload=list\n"));
	CHECK(!wl_wants_list("workload=lister"));
	CHECK(!wl_wants_list("workload=ep_call"));
	CHECK(!wl_wants_list(""));
	CHECK(wl_find(table, NTABLE, "ep_call") == &table[2]);
	CHECK(wl_find(table, NTABLE, "ep_cal") == NULL);
	CHECK(wl_find(table, NTABLE, "ep_call_") == NULL);
}

static void test_header(void)
{
	char buf[256];
	char tiny[12];

	CHECK(parse("workload=ep_call words=8 space=same iterations=5") == 0);
	wl_header(&args, buf, sizeof(buf));
	CHECK_STR(buf, "iterations=5 warmup=100 seed=1 words=8 space=same delta=-3");

	CHECK(parse("workload=ntfn_signal to=low seed=7 warmup=0") == 0);
	wl_header(&args, buf, sizeof(buf));
	CHECK_STR(buf, "iterations=1000 warmup=0 seed=7 to=low");

	/* An overridden common parameter appears once, in the common place. */
	CHECK(parse("workload=short big=-4") == 0);
	wl_header(&args, buf, sizeof(buf));
	CHECK_STR(buf, "iterations=10 warmup=100 seed=1 big=-4");

	memset(tiny, 'x', sizeof(tiny));
	wl_header(&args, tiny, sizeof(tiny));
	CHECK_STR(tiny, "iterations=");

	CHECK(parse("workload=ntfn_signal to=none mode=timed") == 0);
	CHECK(wl_frame_kv(&args, "signal", "ns", "tsc", "linux", 0, 1, buf, sizeof(buf)));
	CHECK_STR(buf, "workload=ntfn_signal metric=signal unit=ns counter=tsc mode=timed "
		       "platform=linux overhead=0 per=1 iterations=1000 warmup=100 seed=1 to=none");
	CHECK(!wl_frame_kv(&args, "signal", "ns", "tsc", "linux", 0, 1, tiny, sizeof(tiny)));
	CHECK(strlen(tiny) == sizeof(tiny) - 1);
}

static void test_list(void)
{
	struct stream st = cap_stream();

	wl_list(&st, table, 4);
	CHECK_STR(cap.buf,
		  "IPCLAB v2 WORKLOAD name=null_syscall params=iterations:1:1000000:1000,"
		  "warmup:0:100000:100,seed:0:4294967295:1\n"
		  "IPCLAB v2 WORKLOAD name=ntfn_signal params=iterations:1:1000000:1000,"
		  "warmup:0:100000:100,seed:0:4294967295:1,to:high|low|none:high\n"
		  "IPCLAB v2 WORKLOAD name=ep_call params=iterations:1:1000000:1000,"
		  "warmup:0:100000:100,seed:0:4294967295:1,words:0:512:0,"
		  "space:same|diff:diff,delta:-10:10:-3\n"
		  "IPCLAB v2 WORKLOAD name=short params=warmup:0:100000:100,"
		  "seed:0:4294967295:1,iterations:1:50:10,"
		  "big:-9223372036854775808:9223372036854775807:0\n"
		  "IPCLAB v2 DONE status=ok\n");

	st = cap_stream();
	wl_list(&st, table, 0);
	CHECK_STR(cap.buf, "IPCLAB v2 DONE status=ok\n");

	/* A broken table entry is an ERROR, and the listing fails. */
	st = cap_stream();
	wl_list(&st, table + 5, 1);
	CHECK_STR(cap.buf, "IPCLAB v2 ERROR workload reserved: parameter 'per' is a reserved "
			   "stream key\nIPCLAB v2 DONE status=fail\n");
	{
		struct wl_args a = { .desc = &table[5], .mode = "exact" };
		char buf[256];

		CHECK(!wl_frame_kv(&a, "m", "ns", "tsc", "linux", 0, 1, buf, sizeof(buf)));
	}
}

int main(void)
{
	test_crc();
	test_fmt();
	test_stream();
	test_reserved();
	test_parse_ok();
	test_parse_errors();
	test_header();
	test_list();
	if (failures != 0) {
		fprintf(stderr, "test_common: %d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("test_common: all %d checks passed\n", checks);
	return 0;
}
