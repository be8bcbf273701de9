/* Kernel console output (its own, and tasks' through SYS_PUTS) and panic. */
#include "kernel.h"
#include "lib/fmt.h"
#include "task.h"

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

int console_write_user(struct task *t, uint64_t uva, uint64_t len)
{
	static char buf[256];
	/* Check the whole range first (a byte of each chunk's ends is enough:
	 * chunks are never longer than a page): a bad page prints nothing. */
	for (uint64_t off = 0; off < len; off += sizeof buf) {
		uint64_t n = len - off < sizeof buf ? len - off : sizeof buf;
		int err = task_copy_in(t, buf, uva + off, 1);
		if (err == IPC_OK)
			err = task_copy_in(t, buf, uva + off + n - 1, 1);
		if (err != IPC_OK)
			return err;
	}
	for (uint64_t off = 0; off < len; off += sizeof buf) {
		uint64_t n = len - off < sizeof buf ? len - off : sizeof buf;
		int err = task_copy_in(t, buf, uva + off, n);
		if (err != IPC_OK)
			return err;
		for (uint64_t i = 0; i < n; i++)
			console_out(NULL, buf[i]);
	}
	return IPC_OK;
}

/* Ends the boot with IPCLAB_EXIT_PANIC: a passing suite never runs it. */
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
