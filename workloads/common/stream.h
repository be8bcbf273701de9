/*
 * The result stream of bench/FORMAT.md (version 2), written through a
 * caller-supplied byte sink: the UART on the ipclab kernel, stdout on Linux.
 * This file is the only writer of stream lines in the tree; bench/stream.py
 * is the only reader.
 *
 * Rules:
 *  - Freestanding C11: no libc, no heap, no state between calls. Every line
 *    is written with one or a few write() calls; nothing is buffered here.
 *    With a sink that calls write(2), every function is async-signal-safe.
 *  - A frame is written whole by stream_frame: BEGIN (with samples=<n>), the
 *    n S lines, END with count and a CRC-32 over the BEGIN line and the
 *    samples, so a header cannot be moved onto another frame's samples.
 *  - stream_error, stream_info and stream_workload may be written at any
 *    time; a run ends with exactly one stream_done.
 *  - `kv` arguments are written verbatim: the caller builds them from keys
 *    matching [a-z][a-z0-9_]* and values without spaces (wl_frame_kv does).
 */
#ifndef IPCLAB_WORKLOADS_STREAM_H
#define IPCLAB_WORKLOADS_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The version written in every line's prefix, `IPCLAB v2 `. */
#define STREAM_VERSION 2

struct stream {
	void (*write)(void *ctx, const char *s, size_t n); /* the byte sink */
	void *ctx;                                         /* passed to write */
};

/*
 * One whole frame of n samples of one metric:
 *     IPCLAB v2 BEGIN <kv> samples=<n>
 *     S <v>            (n lines)
 *     IPCLAB v2 END count=<n> crc32=<8 hex>
 * where crc32 is the CRC-32 of the BEGIN line from `IPCLAB` through its
 * "\n", then each sample's decimal followed by "\n". n == 0, or a kv that
 * already holds samples=, writes an ERROR line instead of a frame.
 */
void stream_frame(struct stream *st, const char *kv, const int64_t *samples,
		  uint64_t n);
/* `IPCLAB v2 ERROR <msg>\n` (a newline inside msg is written as a space). */
void stream_error(struct stream *st, const char *msg);
/* `IPCLAB v2 INFO <kv>\n`. */
void stream_info(struct stream *st, const char *kv);
/* `IPCLAB v2 WORKLOAD name=<name> params=<params>\n` (one registry entry). */
void stream_workload(struct stream *st, const char *name, const char *params);
/* `IPCLAB v2 DONE status=ok|fail\n`: the last line of a run. */
void stream_done(struct stream *st, bool ok);

/*
 * The keys of a BEGIN line that are not workload parameters (NULL-ended).
 * No workload may take a parameter of one of these names: wl_parse and
 * wl_frame_kv refuse one. bench/schema.py's RESERVED_KEYS is the same list
 * (bench/tests/test_schema.py compares them).
 */
extern const char *const stream_reserved_keys[];
/* True when the n bytes at key are one of stream_reserved_keys. */
bool stream_key_reserved(const char *key, size_t n);

/*
 * CRC-32 (IEEE 802.3, reflected, as zlib's crc32): start from 0 and chain,
 * crc32_update(crc32_update(0, a, na), b, nb) == crc32 of a followed by b.
 */
uint32_t crc32_update(uint32_t crc, const void *p, size_t n);

/*
 * Integer formatting without libc. Each writes the digits (no NUL) into buf
 * and returns how many it wrote; buf must hold FMT_INT_MAX bytes (hex32: 8).
 */
#define FMT_INT_MAX 20
size_t fmt_u64(char *buf, uint64_t v);
size_t fmt_i64(char *buf, int64_t v); /* INT64_MIN included */
size_t fmt_hex32(char *buf, uint32_t v); /* always 8 lowercase digits */

#endif
