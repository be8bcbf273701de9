/*
 * What every generic kernel file needs: the ABI, the arch and plat
 * interfaces, the console, panic and assertions.
 */
#ifndef KERNEL_H
#define KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ipclab/abi.h>
#include "arch.h"
#include "plat.h"
#include "lib/string.h"

void printk(const char *f, ...) __attribute__((format(printf, 1, 2)));
struct task;
/* SYS_PUTS: len bytes of t's memory at uva to the console (printk.c): all
 * or nothing, IPC_E_ADDR when a byte is not readable by t. */
int console_write_user(struct task *t, uint64_t uva, uint64_t len);
_Noreturn void panic(const char *f, ...) __attribute__((format(printf, 1, 2)));

#define KASSERT(c) \
	do { \
		if (!(c)) \
			panic("assertion failed: %s (%s:%d)", #c, __FILE__, __LINE__); \
	} while (0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGNED(x, a) (((x) & ((a) - 1)) == 0)
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* The kernel's preemption tick. */
#define TICK_HZ 200

#endif
