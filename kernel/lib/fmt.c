#include "fmt.h"

#include <stdint.h>

/* pad is ' ', '0', or '-' for left-justified (spaces after). */
static size_t put_num(fmt_out out, void *ctx, uint64_t v, unsigned base, int neg,
                      unsigned width, char pad)
{
	char buf[24];
	unsigned n = 0;
	do {
		unsigned d = (unsigned)(v % base);
		buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	size_t len = n + (neg ? 1 : 0);
	if (neg && pad != ' ')
		out(ctx, '-');
	for (; pad != '-' && len < width; len++)
		out(ctx, pad);
	if (neg && pad == ' ')
		out(ctx, '-');
	while (n)
		out(ctx, buf[--n]);
	for (; len < width; len++)
		out(ctx, ' ');
	return len;
}

size_t fmt_vformat(fmt_out out, void *ctx, const char *f, va_list ap)
{
	size_t count = 0;
	for (; *f; f++) {
		if (*f != '%') {
			out(ctx, *f);
			count++;
			continue;
		}
		f++;
		char pad = ' ';
		unsigned width = 0;
		int longs = 0;
		if (*f == '-') {
			pad = '-';
			f++;
		} else if (*f == '0') {
			pad = '0';
			f++;
		}
		while (*f >= '0' && *f <= '9')
			width = width * 10 + (unsigned)(*f++ - '0');
		while (*f == 'l' || *f == 'z') {
			longs++;
			f++;
		}
		switch (*f) {
		case 'd':
		case 'i': {
			int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			count += put_num(out, ctx, mag, 10, v < 0, width, pad);
			break;
		}
		case 'u':
		case 'x': {
			uint64_t v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
			count += put_num(out, ctx, v, *f == 'x' ? 16 : 10, 0, width, pad);
			break;
		}
		case 'p':
			out(ctx, '0');
			out(ctx, 'x');
			count += 2 + put_num(out, ctx, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, 0, 16, '0');
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			size_t len = 0;
			if (!s)
				s = "(null)";
			while (s[len])
				len++;
			for (; pad != '-' && width > len; width--, count++)
				out(ctx, ' ');
			for (; *s; s++, count++)
				out(ctx, *s);
			for (; width > len; width--, count++)
				out(ctx, ' ');
			break;
		}
		case 'c':
			out(ctx, (char)va_arg(ap, int));
			count++;
			break;
		case '%':
			out(ctx, '%');
			count++;
			break;
		default: /* unknown conversion: print it as it is */
			out(ctx, '%');
			count++;
			if (!*f)
				return count;
			out(ctx, *f);
			count++;
		}
	}
	return count;
}

struct sbuf {
	char *p;
	size_t n, len;
};

static void sbuf_out(void *ctx, char c)
{
	struct sbuf *b = ctx;
	if (b->len + 1 < b->n)
		b->p[b->len] = c;
	b->len++;
}

size_t fmt_vsnprintf(char *buf, size_t n, const char *f, va_list ap)
{
	struct sbuf b = { buf, n, 0 };
	fmt_vformat(sbuf_out, &b, f, ap);
	if (n)
		buf[b.len < n ? b.len : n - 1] = '\0';
	return b.len;
}

size_t fmt_snprintf(char *buf, size_t n, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	size_t len = fmt_vsnprintf(buf, n, f, ap);
	va_end(ap);
	return len;
}
