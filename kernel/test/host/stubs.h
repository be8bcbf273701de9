/*
 * Stand-ins for what the kernel files under test reach outside
 * themselves (panic, printk, arch_switch, object references).  panic()
 * longjmps back to a test that expects it (EXPECT_PANIC), and aborts the
 * run otherwise.
 */
#ifndef HOST_STUBS_H
#define HOST_STUBS_H

#include <setjmp.h>
#include <stdbool.h>

extern jmp_buf *panic_jump;   /* set while a test expects a panic */
extern unsigned panic_count;

/* Runs `stmt`; true if it panicked (the panic is caught). */
#define EXPECT_PANIC(stmt) \
	({ \
		jmp_buf __jb; \
		bool __panicked = false; \
		panic_jump = &__jb; \
		if (setjmp(__jb) == 0) { \
			stmt; \
		} else { \
			__panicked = true; \
		} \
		panic_jump = NULL; \
		__panicked; \
	})

#endif
