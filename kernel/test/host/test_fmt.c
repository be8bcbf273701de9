/* kernel/lib/fmt.c: every conversion, negative numbers, widths and
 * padding, %p, %s NULL, unknown conversions, snprintf truncation. */
#include <stdint.h>
#include <string.h>
#include "check.h"
#include "lib/fmt.h"

static char buf[128];
/* Hidden from the compiler, which would warn about a literal NULL for %s. */
static const char *volatile null_str;

#define FMT_IS(want, ...) \
	do { \
		size_t __n = fmt_snprintf(buf, sizeof buf, __VA_ARGS__); \
		check_count++; \
		if (strcmp(buf, want) != 0 || __n != strlen(want)) { \
			check_failed++; \
			fprintf(stderr, "%s:%d: format %s gave \"%s\" (%zu), want \"%s\"\n", __FILE__, \
			        __LINE__, #__VA_ARGS__, buf, __n, want); \
		} \
	} while (0)

static void test_integers(void)
{
	FMT_IS("0", "%d", 0);
	FMT_IS("42", "%d", 42);
	FMT_IS("-42", "%d", -42);
	FMT_IS("-2147483648", "%d", INT32_MIN);
	FMT_IS("2147483647", "%i", INT32_MAX);
	FMT_IS("-9223372036854775808", "%ld", (long)INT64_MIN);
	FMT_IS("9223372036854775807", "%lld", (long long)INT64_MAX);
	FMT_IS("4294967295", "%u", UINT32_MAX);
	FMT_IS("18446744073709551615", "%lu", (unsigned long)UINT64_MAX);
	FMT_IS("ffffffffffffffff", "%lx", (unsigned long)UINT64_MAX);
	FMT_IS("deadbeef", "%x", 0xdeadbeefu);
	FMT_IS("123", "%zu", (size_t)123);
	/* An int argument is read as an int: -1 as %u is 4294967295. */
	FMT_IS("4294967295", "%u", -1);
}

static void test_widths(void)
{
	FMT_IS("   42", "%5d", 42);
	FMT_IS("00042", "%05d", 42);
	FMT_IS("  -42", "%5d", -42);
	FMT_IS("-0042", "%05d", -42);
	FMT_IS("12345", "%3d", 12345);   /* a width never truncates */
	FMT_IS("00ff", "%04x", 0xff);
	FMT_IS("0000000000000001", "%016lx", 1ul);
	FMT_IS("   ab", "%5s", "ab");
	FMT_IS("abcdef", "%3s", "abcdef");
	FMT_IS("x  7y", "x%3uy", 7u);
}

static void test_misc(void)
{
	FMT_IS("0x0000000000001234", "%p", (void *)0x1234);
	FMT_IS("0x0000000000000000", "%p", (void *)0);
	FMT_IS("(null)", "%s", null_str);
	FMT_IS("a(null)b", "a%sb", null_str);
	FMT_IS("", "%s", "");
	FMT_IS("c=Z", "c=%c", 'Z');
	FMT_IS("100%", "100%%");
	FMT_IS("plain text", "plain text");
	FMT_IS("mix 1 -2 ff s", "mix %d %d %x %s", 1, -2, 0xff, "s");
}

/* Unknown conversions print as they are; a lone % at the end does not
 * read past the string (ASan would see it). */
static void test_unknown(void)
{
	char f1[] = { '%', 'q', 0 };
	char f2[] = { 'a', '%', 0 };
	size_t n = fmt_snprintf(buf, sizeof buf, f1);
	CHECK(strcmp(buf, "%q") == 0 && n == 2);
	n = fmt_snprintf(buf, sizeof buf, f2);
	CHECK(strcmp(buf, "a%") == 0 && n == 2);
}

static void test_snprintf_bounds(void)
{
	char small[6];
	memset(small, 'X', sizeof small);
	size_t n = fmt_snprintf(small, sizeof small, "%d-%s", 12345, "abc");
	CHECK_EQ(n, 9);                      /* the full length */
	CHECK(strcmp(small, "12345") == 0);  /* truncated, terminated */
	char one[1] = { 'X' };
	n = fmt_snprintf(one, 1, "abc");
	CHECK_EQ(n, 3);
	CHECK_EQ(one[0], '\0');
	char none[1] = { 'X' };
	n = fmt_snprintf(none, 0, "abc");
	CHECK_EQ(n, 3);
	CHECK_EQ(none[0], 'X');              /* n == 0 writes nothing */
	char exact[4];
	n = fmt_snprintf(exact, sizeof exact, "abc");
	CHECK(n == 3 && strcmp(exact, "abc") == 0);
}

int main(void)
{
	test_integers();
	test_widths();
	test_misc();
	test_unknown();
	test_snprintf_bounds();
	return check_report("fmt");
}
