/* The common stubs: panic (catchable) and printk (to stdout). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "kernel.h"
#include "stubs.h"

jmp_buf *panic_jump;
unsigned panic_count;

void printk(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	vprintf(f, ap);
	va_end(ap);
}

void panic(const char *f, ...)
{
	panic_count++;
	if (panic_jump)
		longjmp(*panic_jump, 1);
	va_list ap;
	va_start(ap, f);
	fprintf(stderr, "unexpected kernel panic: ");
	vfprintf(stderr, f, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}
