/*
 * The big kernel lock: one lock for all kernel state.
 *
 * Rule: a CPU holds it whenever it runs kernel code, from its entry from
 * EL0 (vectors.S takes it before any C runs: syscalls, interrupts, faults)
 * to its return to EL0 (trap_return_user and the syscall exit release it),
 * with three exceptions: SYS_NULL, which reads no kernel state, takes it
 * not at all; an idle thread waits for an interrupt with it released (an
 * interrupt taken there, at EL1, runs irq_handler without it, which then
 * touches only this CPU's timer and GIC interface); and a kernel fault,
 * which stops the machine.  The lock belongs to the CPU, not the thread:
 * a thread that blocks in the kernel switches with it held, and the
 * thread that runs next releases it on its way out.  So every object's
 * rule in its header holds under the lock, as it did on one CPU.
 */
#ifndef KLOCK_H
#define KLOCK_H

#include "kernel.h"

/* Page-aligned, so that the entry path reaches it with one adrp. */
extern volatile uint32_t kernel_lock;

static inline void klock_acquire(void) { arch_spin_lock(&kernel_lock); }
static inline void klock_release(void) { arch_spin_unlock(&kernel_lock); }

#endif
