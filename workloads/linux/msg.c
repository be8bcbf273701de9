/* Message contents and their checker. See msg.h. */
#include "msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* splitmix64's finaliser: every input bit reaches every output bit. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static uint64_t word_of(uint64_t seed, uint64_t seq, size_t k)
{
	if (k == 0)
		return seq;
	return mix64(seed * 0x9e3779b97f4a7c15ull + seq * 0xd1b54a32d192ed03ull + k);
}

static void put_le(unsigned char *p, uint64_t w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(w >> (8 * i));
}

void msg_fill(unsigned char *buf, size_t size, uint64_t seed, uint64_t seq)
{
	for (size_t off = 0, k = 0; off < size; off += 8, k++) {
		size_t n = size - off < 8 ? size - off : 8;
		uint64_t w = word_of(seed, seq, k);

		if (n == 8)
			memcpy(buf + off, &w, 8); /* little-endian hosts (x86-64, arm64) */
		else
			put_le(buf + off, w, n);
	}
}

int msg_check(const unsigned char *buf, size_t size, uint64_t seed, uint64_t seq,
	      char *err, size_t errlen)
{
	unsigned char want[8];

	for (size_t off = 0, k = 0; off < size; off += 8, k++) {
		size_t n = size - off < 8 ? size - off : 8;

		put_le(want, word_of(seed, seq, k), n);
		if (memcmp(buf + off, want, n) == 0)
			continue;
		if (k == 0 && size >= 8) {
			uint64_t got = 0;
			for (size_t i = 0; i < 8; i++)
				got |= (uint64_t)buf[i] << (8 * i);
			snprintf(err, errlen,
				 "message %llu out of order: it carries sequence %llu",
				 (unsigned long long)seq, (unsigned long long)got);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			if (buf[off + i] != want[i]) {
				snprintf(err, errlen,
					 "message %llu corrupt: byte %zu of %zu is 0x%02x, expected 0x%02x",
					 (unsigned long long)seq, off + i, size,
					 buf[off + i], want[i]);
				return -1;
			}
		}
	}
	return 0;
}

int msg_debug_from_env(struct msg_debug *d, char *err, size_t errlen)
{
	const char *v = getenv("IPCLAB_DEBUG_CORRUPT");
	char *end;

	d->fault = MSG_FAULT_NONE;
	d->at = 0;
	if (v == NULL || *v == '\0')
		return 0;
	if (strncmp(v, "req:", 4) == 0)
		d->fault = MSG_FAULT_REQ;
	else if (strncmp(v, "rep:", 4) == 0)
		d->fault = MSG_FAULT_REP;
	else if (strncmp(v, "seq:", 4) == 0)
		d->fault = MSG_FAULT_SEQ;
	else if (strncmp(v, "drop:", 5) == 0)
		d->fault = MSG_FAULT_DROP;
	else
		goto bad;
	v = strchr(v, ':') + 1;
	if (*v < '0' || *v > '9')
		goto bad;
	d->at = strtoull(v, &end, 10);
	if (*end != '\0')
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "IPCLAB_DEBUG_CORRUPT=%s is not req:N, rep:N, seq:N or drop:N",
		 getenv("IPCLAB_DEBUG_CORRUPT"));
	d->fault = MSG_FAULT_NONE;
	return -1;
}

void msg_corrupt(unsigned char *buf, size_t size)
{
	if (size > 0)
		buf[size - 1] ^= 0x5a;
}
