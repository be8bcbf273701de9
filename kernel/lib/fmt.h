/*
 * A small formatted print, freestanding, shared by the kernel and user tasks.
 * Conversions: %d %i %u %x %p %s %c %%, with an optional 0 flag, a width,
 * and the length modifiers l and ll (z too).  Output goes through a callback.
 */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*fmt_out)(void *ctx, char c);

/* Returns the number of characters produced. */
size_t fmt_vformat(fmt_out out, void *ctx, const char *f, va_list ap);
/* snprintf-like: always NUL-terminates when n > 0; returns the full length. */
size_t fmt_vsnprintf(char *buf, size_t n, const char *f, va_list ap);
size_t fmt_snprintf(char *buf, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));

#endif
