/*
 * Register frames saved by the exception entry and the thread switch.
 * The offsets are defined once here, for the assembly, and checked
 * against the C structures with _Static_assert in arch.h.
 */
#ifndef ARCH_FRAME_H
#define ARCH_FRAME_H

/* struct trapframe: everything, saved on the kernel stack on an interrupt,
 * a fault, or the entry of a new thread. */
#define TF_X0      0
#define TF_X30     (30 * 8)
#define TF_SP_EL0  (31 * 8)
#define TF_ELR     (32 * 8)
#define TF_SPSR    (33 * 8)
#define TF_SIZE    (34 * 8)   /* a multiple of 16: the stack stays aligned */

/* struct context: what arch_switch() keeps of a thread that is not
 * running.  It is the first member of struct thread.  The caller-saved
 * registers are not in it: arch_switch is called like a function. */
#define CTX_X19    0
#define CTX_X29    (10 * 8)
#define CTX_LR     (11 * 8)
#define CTX_SP     (12 * 8)
#define CTX_ELR    (13 * 8)
#define CTX_SPSR   (14 * 8)
#define CTX_SP_EL0 (15 * 8)
#define CTX_TTBR0  (16 * 8)   /* the thread's address space, with its ASID */
#define CTX_TPIDRRO (17 * 8)  /* the thread's IPC buffer, read by user code */
#define CTX_SIZE   (18 * 8)

/* The syscall results x1..x6 that the entry path loads before eret sit
 * right after the context in struct thread. */
#define THREAD_RET  CTX_SIZE
/* Its state byte, which a syscall entry that waited for the lock checks,
 * and the flag it sets while it waits (thread.h). */
#define THREAD_AT_ENTRY (THREAD_RET + 7 * 8 + 3 * 8 + 1)
#define THREAD_STATE    (THREAD_AT_ENTRY + 1)

#endif
