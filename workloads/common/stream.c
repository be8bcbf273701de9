/* The result stream (bench/FORMAT.md, version 1). See stream.h. */
#include "stream.h"

#define PREFIX "IPCLAB v1 "
#define PREFIX_LEN (sizeof(PREFIX) - 1)

static size_t str_len(const char *s)
{
	size_t n = 0;
	while (s[n] != '\0')
		n++;
	return n;
}

static void put(struct stream *st, const char *s, size_t n)
{
	st->write(st->ctx, s, n);
}

static void puts_(struct stream *st, const char *s)
{
	put(st, s, str_len(s));
}

/* Reflected IEEE polynomial, four bits at a time: small and fast enough for
 * the few thousand short lines of a run. */
static const uint32_t crc_nibble[16] = {
	0x00000000u, 0x1db71064u, 0x3b6e20c8u, 0x26d930acu,
	0x76dc4190u, 0x6b6b51f4u, 0x4db26158u, 0x5005713cu,
	0xedb88320u, 0xf00f9344u, 0xd6d6a3e8u, 0xcb61b38cu,
	0x9b64c2b0u, 0x86d3d2d4u, 0xa00ae278u, 0xbdbdf21cu,
};

uint32_t crc32_update(uint32_t crc, const void *p, size_t n)
{
	const unsigned char *b = p;

	crc = ~crc;
	for (size_t i = 0; i < n; i++) {
		crc ^= b[i];
		crc = (crc >> 4) ^ crc_nibble[crc & 15u];
		crc = (crc >> 4) ^ crc_nibble[crc & 15u];
	}
	return ~crc;
}

size_t fmt_u64(char *buf, uint64_t v)
{
	char tmp[FMT_INT_MAX];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10u);
		v /= 10u;
	} while (v != 0);
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

size_t fmt_i64(char *buf, int64_t v)
{
	if (v >= 0)
		return fmt_u64(buf, (uint64_t)v);
	buf[0] = '-';
	/* Negate in unsigned arithmetic: -INT64_MIN does not fit an int64_t. */
	return 1 + fmt_u64(buf + 1, (uint64_t)0 - (uint64_t)v);
}

size_t fmt_hex32(char *buf, uint32_t v)
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 7; i >= 0; i--) {
		buf[i] = digits[v & 15u];
		v >>= 4;
	}
	return 8;
}

void stream_begin(struct stream *st, const char *kv)
{
	st->crc = 0;
	st->count = 0;
	put(st, PREFIX "BEGIN ", PREFIX_LEN + 6);
	puts_(st, kv);
	put(st, "\n", 1);
}

void stream_sample(struct stream *st, int64_t v)
{
	char line[2 + FMT_INT_MAX + 1];
	size_t n;

	line[0] = 'S';
	line[1] = ' ';
	n = fmt_i64(line + 2, v);
	line[2 + n] = '\n';
	/* The CRC covers the decimal and its newline, not the "S ". */
	st->crc = crc32_update(st->crc, line + 2, n + 1);
	st->count++;
	put(st, line, n + 3);
}

void stream_end(struct stream *st)
{
	char line[PREFIX_LEN + 32 + FMT_INT_MAX];
	size_t n = 0;
	const char *head = PREFIX "END count=";

	for (size_t i = 0; head[i] != '\0'; i++)
		line[n++] = head[i];
	n += fmt_u64(line + n, st->count);
	for (const char *s = " crc32="; *s != '\0'; s++)
		line[n++] = *s;
	n += fmt_hex32(line + n, st->crc);
	line[n++] = '\n';
	put(st, line, n);
}

void stream_error(struct stream *st, const char *msg)
{
	size_t start = 0, i;

	put(st, PREFIX "ERROR ", PREFIX_LEN + 6);
	/* One line per message: a newline in msg would end the line early and
	 * turn the rest into console output. */
	for (i = 0; msg[i] != '\0'; i++) {
		if (msg[i] == '\n' || msg[i] == '\r') {
			put(st, msg + start, i - start);
			put(st, " ", 1);
			start = i + 1;
		}
	}
	put(st, msg + start, i - start);
	put(st, "\n", 1);
}

void stream_info(struct stream *st, const char *kv)
{
	put(st, PREFIX "INFO ", PREFIX_LEN + 5);
	puts_(st, kv);
	put(st, "\n", 1);
}

void stream_done(struct stream *st, bool ok)
{
	puts_(st, ok ? PREFIX "DONE status=ok\n" : PREFIX "DONE status=fail\n");
}
