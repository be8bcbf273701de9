/* Kernel console output and panic. */
#include "kernel.h"
#include "lib/fmt.h"

static void console_out(void *ctx, char c)
{
	(void)ctx;
	if (c == '\n')
		plat_putc('\r');
	plat_putc(c);
}

void printk(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	fmt_vformat(console_out, NULL, f, ap);
	va_end(ap);
}

_Noreturn void panic(const char *f, ...)
{
	va_list ap;
	printk("\nKERNEL PANIC: ");
	va_start(ap, f);
	fmt_vformat(console_out, NULL, f, ap);
	va_end(ap);
	printk("\n");
	plat_exit(IPCLAB_EXIT_PANIC);
}
