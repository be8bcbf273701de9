/*
 * The result stream of bench/FORMAT.md (version 1), written through a
 * caller-supplied byte sink: the UART on the ipclab kernel, stdout on Linux.
 *
 * Rules:
 *  - Freestanding C11: no libc, no heap. Every line is written with one or a
 *    few write() calls; nothing is buffered here.
 *  - A frame is stream_begin, any number of stream_sample, stream_end. The
 *    CRC and count cover only the samples of the current frame and are reset
 *    by stream_begin.
 *  - stream_error and stream_info may be written at any time; a run ends with
 *    exactly one stream_done.
 *  - `kv` arguments are written verbatim: the caller builds them from keys
 *    matching [a-z][a-z0-9_]* and values without spaces (wl_header does).
 */
#ifndef IPCLAB_WORKLOADS_STREAM_H
#define IPCLAB_WORKLOADS_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stream {
	void (*write)(void *ctx, const char *s, size_t n); /* the byte sink */
	void *ctx;                                         /* passed to write */
	uint32_t crc;   /* CRC-32 of this frame's sample bytes so far */
	uint64_t count; /* samples in this frame so far */
};

/* `IPCLAB v1 BEGIN <kv>\n`; resets crc and count. */
void stream_begin(struct stream *st, const char *kv);
/* `S <v>\n`; adds "<v>\n" to the frame's CRC. */
void stream_sample(struct stream *st, int64_t v);
/* `IPCLAB v1 END count=<n> crc32=<8 hex>\n`. */
void stream_end(struct stream *st);
/* `IPCLAB v1 ERROR <msg>\n` (a newline inside msg is written as a space). */
void stream_error(struct stream *st, const char *msg);
/* `IPCLAB v1 INFO <kv>\n`. */
void stream_info(struct stream *st, const char *kv);
/* `IPCLAB v1 DONE status=ok|fail\n`: the last line of a run. */
void stream_done(struct stream *st, bool ok);

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
