/*
 * The exception vectors, the syscall entry, the thread switch.
 *
 * The kernel lock (klock.h) is taken on every entry from EL0 before any C
 * runs, and released on every return to EL0 (trap_return_user and the
 * syscall exit), except for SYS_NULL, which reads no kernel state.
 * Entries at EL1 (a kernel fault, or an interrupt that wakes an idle
 * thread from its wait) take no lock.
 *
 * Syscalls take a short path: the ABI (ipclab/abi.h) lets a syscall clobber
 * the registers that C may clobber, so the entry only keeps x30 and calls
 * the handler through the table; the handler leaves x1..x6 of the result in
 * the current thread (TPIDR_EL1) and returns x0; x7..x18 go back zeroed.  If the handler blocks,
 * arch_switch() keeps ELR/SPSR/SP_EL0 with the thread, so each thread comes
 * back through its own kernel stack.  Everything else (interrupts, faults)
 * saves the whole register file as a struct trapframe and calls C.
 */
#include <ipclab/abi.h>
#include "frame.h"
#include "sysregs.h"

/* Take the kernel lock from an entry from EL0: x9 its address
 * (page-aligned, so one adrp); w10..w13 scratch.  The word is 0 free,
 * non-zero with bit 1 clear held, 2 held with a CPU waiting.  The
 * uncontended path stores w9, the low word of the lock's own address:
 * page-aligned (bit 1 clear) and not zero (the kernel is linked at
 * 0x40200000, kernel.ld), which saves the `mov w10, #1` that loading a 1
 * takes.  Uncontended: five instructions.
 * Contended (the slow path, out of line): the current thread's at_entry
 * flag says that this CPU waits at an entry, which a CPU that ends the
 * thread meanwhile waits to see (sched_kick); the word is marked 2, so
 * that the holder hands over when it releases (KUNLOCK); then wait with
 * wfe (the holder's store-release clears the monitor that ldaxr armed,
 * which wakes it; under QEMU's icount wfe hands the round robin on).  Once
 * the lock is ours (taken as 1: another waiter, woken by that same store,
 * marks it again), the flag is cleared, and \ended (if given) is where a syscall goes when its thread
 * was ended meanwhile: it must not run.  An entry that did not wait needs
 * no such check: a CPU that ends a thread running elsewhere keeps the
 * lock until that thread's CPU waits for it at an entry. */
.macro KLOCK ended
	adrp	x9, kernel_lock
9:	ldaxr	w11, [x9]
	cbnz	w11, 8f
	stxr	w11, w9, [x9]
	cbnz	w11, 9b
	.pushsection .text.klock_wait, "ax"
8:	mov	w10, #1
	mrs	x11, tpidr_el1
	strb	w10, [x11, #THREAD_AT_ENTRY]
	dsb	ish
	sev
	mov	w12, #2
7:	ldaxr	w11, [x9]
	cbz	w11, 5f
	cmp	w11, #2
	b.eq	4f
	stxr	w13, w12, [x9]     /* mark it: the holder hands over */
	b	7b
4:	wfe
	b	7b
5:	stxr	w13, w10, [x9]
	cbnz	w13, 7b
	mrs	x11, tpidr_el1
	strb	wzr, [x11, #THREAD_AT_ENTRY]
	.ifnb \ended
	ldrb	w10, [x11, #THREAD_STATE]
	cmp	w10, #TS_RUNNABLE
	b.ne	\ended
	.endif
	b	6f
	.popsection
6:
.endm

/* Release it (x9, w10 scratch).  When another CPU marked it as waiting,
 * hand over: `yield`, which under QEMU's icount runs the next vCPU now
 * (else a CPU that goes on to busy work at EL0 would keep the round robin
 * for its whole slice while the other waits for the lock); a hint on
 * hardware, where the store-release has already woken the waiter. */
.macro KUNLOCK
	adrp	x9, kernel_lock
	ldr	w10, [x9]
	stlr	wzr, [x9]
	tbnz	w10, #1, 8f
	.pushsection .text.klock_wait, "ax"
8:	yield
	b	9f
	.popsection
9:
.endm

/* The clobbered registers leave the kernel zeroed: no kernel value (a
 * pointer, another thread's data) reaches a task through them.  Two at a
 * time, loaded from 96 bytes of zeros in the kernel's read-only data (no
 * kernel store can make them anything else: the self-check keeps .rodata
 * read-only): seven instructions for twelve registers, where twelve
 * `mov xN, xzr` took twelve.  The last pair overwrites the base register
 * (a load pair without writeback may do so).  The cost moved: six loads
 * and one more data cache line (and a literal) in place of six
 * instructions, which under QEMU's count is what an instruction is. */
.macro SCRUB_ERET
	ldr	x18, =scrub_zeros
	ldp	x7, x8, [x18]
	ldp	x9, x10, [x18, #16]
	ldp	x11, x12, [x18, #32]
	ldp	x13, x14, [x18, #48]
	ldp	x15, x16, [x18, #64]
	ldp	x17, x18, [x18, #80]
	eret
.endm

	.section .rodata.scrub, "a"
	.balign	16
scrub_zeros:
	.zero	96
	.previous

.macro SAVE_ALL
	sub	sp, sp, #TF_SIZE
	stp	x0, x1, [sp, #16 * 0]
	stp	x2, x3, [sp, #16 * 1]
	stp	x4, x5, [sp, #16 * 2]
	stp	x6, x7, [sp, #16 * 3]
	stp	x8, x9, [sp, #16 * 4]
	stp	x10, x11, [sp, #16 * 5]
	stp	x12, x13, [sp, #16 * 6]
	stp	x14, x15, [sp, #16 * 7]
	stp	x16, x17, [sp, #16 * 8]
	stp	x18, x19, [sp, #16 * 9]
	stp	x20, x21, [sp, #16 * 10]
	stp	x22, x23, [sp, #16 * 11]
	stp	x24, x25, [sp, #16 * 12]
	stp	x26, x27, [sp, #16 * 13]
	stp	x28, x29, [sp, #16 * 14]
	mrs	x9, sp_el0
	stp	x30, x9, [sp, #TF_X30]
	mrs	x10, elr_el1
	mrs	x11, spsr_el1
	stp	x10, x11, [sp, #TF_ELR]
.endm

/* Vector slot `kind` (placed with .org, so a slot that overflows into the
 * next one is an assembly error): save everything, call handler(tf, kind). */
.macro VENTRY_FULL handler, kind
	.org	vectors + \kind * 0x80
	SAVE_ALL
	mov	x0, sp
	mov	x1, #\kind
	bl	\handler
	b	trap_return
.endm

/* The same from EL0: with the kernel lock, and back through its release. */
.macro VENTRY_USER handler, kind
	.org	vectors + \kind * 0x80
	SAVE_ALL
	bl	klock_enter
	mov	x0, sp
	mov	x1, #\kind
	bl	\handler
	b	trap_return_user
.endm

	.section .text.vectors, "ax"
	.balign	0x800
	.global vectors
vectors:
	/* Current EL with SP_EL0: never used by this kernel. */
	VENTRY_FULL kernel_trap, 0
	VENTRY_FULL kernel_trap, 1
	VENTRY_FULL kernel_trap, 2
	VENTRY_FULL kernel_trap, 3
	/* Current EL with SP_ELx: a kernel fault, or an interrupt taken while idle. */
	VENTRY_FULL kernel_trap, 4
	VENTRY_FULL irq_handler, 5
	VENTRY_FULL kernel_trap, 6
	VENTRY_FULL kernel_trap, 7

	/* Lower EL, AArch64, synchronous: syscalls, then everything else.
	 * One conditional branch leaves for anything but an `svc` with a
	 * number below SYS_COUNT (ccmp: when the class is not SVC64 the
	 * flags are set to `hs`), and el0_sync_other tells the two apart.
	 * SYS_NULL reads no kernel state and has no result but x0: it runs
	 * here, in the slot, without the lock and without the table (x1..x6
	 * come back as the task left them); every other syscall goes to
	 * el0_svc. */
	.org	vectors + 8 * 0x80
el0_sync:
	mrs	x9, esr_el1
	lsr	x10, x9, #26
	cmp	x10, #EC_SVC64
	ccmp	x8, #SYS_COUNT, #2, eq
	b.hs	el0_sync_other
	cbnz	x8, el0_svc
	mov	x0, #IPC_OK
scrub_eret:
	SCRUB_ERET
el0_sync_other:
	cmp	x10, #EC_SVC64
	b.ne	el0_sync_full
	mov	x0, #IPC_E_NOSYS
	b	scrub_eret

	VENTRY_USER irq_handler, 9
	VENTRY_USER user_trap, 10
	VENTRY_USER user_trap, 11
	/* Lower EL, AArch32: not supported; the task is stopped. */
	VENTRY_USER user_trap, 12
	VENTRY_USER user_trap, 13
	VENTRY_USER user_trap, 14
	VENTRY_USER user_trap, 15

	.text
/* A syscall other than SYS_NULL: x8 its number, below SYS_COUNT.  The
 * lock, the handler through the table, the lock released, the results. */
el0_svc:
	str	x30, [sp, #-16]!
	KLOCK	el0_ended
	ldr	x10, =syscall_table
	ldr	x10, [x10, x8, lsl #3]
	blr	x10
	ldr	x30, [sp], #16
	KUNLOCK
	mrs	x9, tpidr_el1
	ldp	x1, x2, [x9, #THREAD_RET + 8]
	ldp	x3, x4, [x9, #THREAD_RET + 24]
	ldp	x5, x6, [x9, #THREAD_RET + 40]
	SCRUB_ERET
el0_ended:
	bl	sched_leave_ended   /* does not return */

el0_sync_full:
	SAVE_ALL
	bl	klock_enter
	mov	x0, sp
	mov	x1, #8
	bl	user_trap
	/* fall through */

/* Back to EL0 from a trapframe: release the lock, then trap_return.  A new
 * thread's first switch comes here too (arch_context_init_user). */
	.global trap_return_user
trap_return_user:
	KUNLOCK
	/* fall through */

/* Restore a trapframe from the stack and return from the exception. */
	.global trap_return
trap_return:
	ldp	x10, x11, [sp, #TF_ELR]
	msr	elr_el1, x10
	msr	spsr_el1, x11
	ldp	x30, x9, [sp, #TF_X30]
	msr	sp_el0, x9
	ldp	x0, x1, [sp, #16 * 0]
	ldp	x2, x3, [sp, #16 * 1]
	ldp	x4, x5, [sp, #16 * 2]
	ldp	x6, x7, [sp, #16 * 3]
	ldp	x8, x9, [sp, #16 * 4]
	ldp	x10, x11, [sp, #16 * 5]
	ldp	x12, x13, [sp, #16 * 6]
	ldp	x14, x15, [sp, #16 * 7]
	ldp	x16, x17, [sp, #16 * 8]
	ldp	x18, x19, [sp, #16 * 9]
	ldp	x20, x21, [sp, #16 * 10]
	ldp	x22, x23, [sp, #16 * 11]
	ldp	x24, x25, [sp, #16 * 12]
	ldp	x26, x27, [sp, #16 * 13]
	ldp	x28, x29, [sp, #16 * 14]
	add	sp, sp, #TF_SIZE
	eret

/* The lock for the full entries (everything is saved: any register may
 * be used). */
klock_enter:
	KLOCK
	ret

/*
 * void arch_switch(struct thread *from, struct thread *to)
 * uint64_t arch_switch_ret(struct thread *from, struct thread *to)
 * Keep from's callee-saved registers, kernel stack and user return state;
 * take to's.  A new thread's context returns into trap_return with its
 * initial trapframe on its stack.  TTBR0 is written at every switch, with
 * no comparison first: writing the value it holds changes nothing (no
 * TLB maintenance: the ASID is in the value), and the compare and branch
 * cost more than the write.  The eret that follows is the context
 * synchronization the new translation needs (the kernel itself runs on
 * global mappings).
 *
 * Both names are one routine, which returns to's ret[0] in x0: the IPC
 * fast paths tail-call arch_switch_ret (fastpath.c), so that a thread
 * that blocked there resumes straight in el0_svc with its status in x0,
 * whichever routine switches back to it.
 */
/* The switch, with `to` in any register the routine does not use as
 * scratch (x1 for arch_switch, x6 for arch_switch_fast). */
.macro SWITCH to
	stp	x19, x20, [x0, #CTX_X19]
	stp	x21, x22, [x0, #CTX_X19 + 16]
	stp	x23, x24, [x0, #CTX_X19 + 32]
	stp	x25, x26, [x0, #CTX_X19 + 48]
	stp	x27, x28, [x0, #CTX_X19 + 64]
	stp	x29, x30, [x0, #CTX_X29]
	mov	x9, sp
	mrs	x10, elr_el1
	stp	x9, x10, [x0, #CTX_SP]
	mrs	x11, spsr_el1
	mrs	x12, sp_el0
	stp	x11, x12, [x0, #CTX_SPSR]

	ldp	x14, x15, [\to, #CTX_TTBR0]
	msr	ttbr0_el1, x14
	msr	tpidrro_el0, x15
	msr	tpidr_el1, \to
	ldp	x11, x12, [\to, #CTX_SPSR]
	msr	spsr_el1, x11
	msr	sp_el0, x12
	ldp	x9, x10, [\to, #CTX_SP]
	mov	sp, x9
	msr	elr_el1, x10
	ldp	x19, x20, [\to, #CTX_X19]
	ldp	x21, x22, [\to, #CTX_X19 + 16]
	ldp	x23, x24, [\to, #CTX_X19 + 32]
	ldp	x25, x26, [\to, #CTX_X19 + 48]
	ldp	x27, x28, [\to, #CTX_X19 + 64]
	ldp	x29, x30, [\to, #CTX_X29]
	ldr	x0, [\to, #THREAD_RET]
	ret
.endm

	.global arch_switch
	.global arch_switch_ret
arch_switch:
arch_switch_ret:
	SWITCH	x1

/* uint64_t arch_switch_fast(from, a1, a2, a3, a4, a5, to): the same with
 * `to` in x6 and x1..x5 ignored, for the fast paths, which pass their own
 * message registers through so that nothing has to be moved for the call. */
	.global arch_switch_fast
arch_switch_fast:
	SWITCH	x6
