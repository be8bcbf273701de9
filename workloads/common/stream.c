/* The result stream (bench/FORMAT.md, version 2). See stream.h. */
#include "stream.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define PREFIX "IPCLAB v" STR(STREAM_VERSION) " "
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

/* Keep in step with bench/schema.py's RESERVED_KEYS (compared by
 * bench/tests/test_schema.py). */
const char *const stream_reserved_keys[] = {
	"workload", "metric", "unit", "counter", "mode", "platform", "overhead", "per",
	"samples", NULL,
};

bool stream_key_reserved(const char *key, size_t n)
{
	for (size_t k = 0; stream_reserved_keys[k] != NULL; k++) {
		const char *r = stream_reserved_keys[k];
		size_t i = 0;

		while (i < n && r[i] != '\0' && r[i] == key[i])
			i++;
		if (i == n && r[i] == '\0')
			return true;
	}
	return false;
}

/* A write that is also part of the frame's CRC. */
static void put_crc(struct stream *st, uint32_t *crc, const char *s, size_t n)
{
	*crc = crc32_update(*crc, s, n);
	put(st, s, n);
}

/* True when kv has a word `samples=...`: the count is stream_frame's to write. */
static bool has_samples_key(const char *kv)
{
	static const char key[] = "samples=";

	for (size_t i = 0; kv[i] != '\0'; i++) {
		size_t k = 0;

		if (i > 0 && kv[i - 1] != ' ')
			continue;
		while (key[k] != '\0' && kv[i + k] == key[k])
			k++;
		if (key[k] == '\0')
			return true;
	}
	return false;
}

void stream_frame(struct stream *st, const char *kv, const int64_t *samples,
		  uint64_t n)
{
	char line[PREFIX_LEN + 32 + FMT_INT_MAX];
	uint32_t crc = 0;
	size_t k;

	/* A frame without samples would make an "ok" run of nothing; refuse it
	 * here, where the workload's mistake is, not only in the harness. */
	if (n == 0 || has_samples_key(kv)) {
		put(st, PREFIX "ERROR ", PREFIX_LEN + 6);
		puts_(st, n == 0 ? "refusing an empty frame (no samples): "
				 : "refusing a frame whose header already holds samples=: ");
		puts_(st, kv);
		put(st, "\n", 1);
		return;
	}
	put_crc(st, &crc, PREFIX "BEGIN ", PREFIX_LEN + 6);
	put_crc(st, &crc, kv, str_len(kv));
	k = 0;
	for (const char *s = " samples="; *s != '\0'; s++)
		line[k++] = *s;
	k += fmt_u64(line + k, n);
	line[k++] = '\n';
	put_crc(st, &crc, line, k);

	for (uint64_t i = 0; i < n; i++) {
		line[0] = 'S';
		line[1] = ' ';
		k = fmt_i64(line + 2, samples[i]);
		line[2 + k] = '\n';
		/* The CRC covers the decimal and its newline, not the "S ". */
		crc = crc32_update(crc, line + 2, k + 1);
		put(st, line, k + 3);
	}

	k = 0;
	for (const char *s = PREFIX "END count="; *s != '\0'; s++)
		line[k++] = *s;
	k += fmt_u64(line + k, n);
	for (const char *s = " crc32="; *s != '\0'; s++)
		line[k++] = *s;
	k += fmt_hex32(line + k, crc);
	line[k++] = '\n';
	put(st, line, k);
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

void stream_workload(struct stream *st, const char *name, const char *params)
{
	put(st, PREFIX "WORKLOAD name=", PREFIX_LEN + 14);
	puts_(st, name);
	put(st, " params=", 8);
	puts_(st, params);
	put(st, "\n", 1);
}

void stream_done(struct stream *st, bool ok)
{
	puts_(st, ok ? PREFIX "DONE status=ok\n" : PREFIX "DONE status=fail\n");
}
