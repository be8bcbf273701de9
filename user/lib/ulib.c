#include "ulib.h"
#include "lib/fmt.h"

struct outbuf {
	char buf[256];
	size_t len;
};

static void out_flush(struct outbuf *o)
{
	if (o->len)
		sys_puts(o->buf, o->len);
	o->len = 0;
}

static void out_char(void *ctx, char c)
{
	struct outbuf *o = ctx;
	o->buf[o->len++] = c;
	if (o->len == sizeof o->buf)
		out_flush(o);
}

/* One syscall per line at most, so lines of different tasks stay whole. */
void uprintf(const char *f, ...)
{
	struct outbuf o = { .len = 0 };
	va_list ap;
	va_start(ap, f);
	fmt_vformat(out_char, &o, f, ap);
	va_end(ap);
	out_flush(&o);
}

void user_thread_exit(uint64_t code)
{
	sys_exit((int64_t)code);
}

const char *uerrname(int64_t err)
{
	static const char *const names[IPC_E_COUNT] = {
		"ok", "nosys", "slot", "empty", "type", "rights", "occupied", "nomem", "addr",
		"align", "range", "arg", "state", "mapped", "notmapped", "wouldblock", "noreply",
		"msgsize", "grant", "prio",
	};
	if (err > 0 || err <= -IPC_E_COUNT)
		return "?";
	return names[-err];
}
