/*
 * The architecture interface: everything generic kernel code may ask of
 * the CPU.  Generic code includes this header and nothing else from arch/.
 */
#ifndef ARCH_H
#define ARCH_H

#include <stddef.h>
#include <stdint.h>
#include "frame.h"

struct trapframe {
	uint64_t x[31];
	uint64_t sp_el0, elr, spsr;
};

struct context {
	uint64_t x19_x29[11];
	uint64_t lr, sp, elr, spsr, sp_el0;
	uint64_t ttbr0, tpidrro;
};

_Static_assert(offsetof(struct trapframe, x[30]) == TF_X30, "TF_X30");
_Static_assert(offsetof(struct trapframe, sp_el0) == TF_SP_EL0, "TF_SP_EL0");
_Static_assert(offsetof(struct trapframe, elr) == TF_ELR, "TF_ELR");
_Static_assert(offsetof(struct trapframe, spsr) == TF_SPSR, "TF_SPSR");
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "TF_SIZE");
_Static_assert(TF_SIZE % 16 == 0, "trapframe keeps sp aligned");
_Static_assert(offsetof(struct context, x19_x29[10]) == CTX_X29, "CTX_X29");
_Static_assert(offsetof(struct context, lr) == CTX_LR, "CTX_LR");
_Static_assert(offsetof(struct context, sp) == CTX_SP, "CTX_SP");
_Static_assert(offsetof(struct context, elr) == CTX_ELR, "CTX_ELR");
_Static_assert(offsetof(struct context, spsr) == CTX_SPSR, "CTX_SPSR");
_Static_assert(offsetof(struct context, sp_el0) == CTX_SP_EL0, "CTX_SP_EL0");
_Static_assert(offsetof(struct context, ttbr0) == CTX_TTBR0, "CTX_TTBR0");
_Static_assert(offsetof(struct context, tpidrro) == CTX_TPIDRRO, "CTX_TPIDRRO");
_Static_assert(sizeof(struct context) == CTX_SIZE, "CTX_SIZE");

struct thread;

/* Boot: vectors, MMU and caches, PMU access from EL0.  arch_init builds
 * the kernel's page tables and is called once, by the boot CPU;
 * arch_init_cpu turns on the same on a secondary CPU. */
void arch_init(void);
void arch_init_cpu(void);
/* The running thread of this CPU, TPIDR_EL1 (arch_switch sets it).  Not
 * volatile: within one thread's code it never changes (sched.h). */
#ifdef KERNEL_HOST_TEST
/* Host unit tests (kernel/test/host) run the generic code on the build
 * machine: one CPU, `current` a variable. */
extern struct thread *host_current;
static inline struct thread *arch_current(void) { return host_current; }
static inline void arch_set_current(struct thread *t) { host_current = t; }
#else
static inline struct thread *arch_current(void)
{
	struct thread *t;
	__asm__("mrs %0, tpidr_el1" : "=r"(t));
	return t;
}
static inline void arch_set_current(struct thread *t)
{
	__asm__ volatile("msr tpidr_el1, %0" : : "r"(t) : "memory");
}
#endif
/* This CPU's affinity fields (MPIDR_EL1 Aff0..Aff2). */
uint64_t arch_cpu_mpidr(void);
/* Wait for an interrupt with interrupts let through for that wait only:
 * the idle thread's wait (wfi), taken at EL1 by irq_handler. */
void arch_wait_irq(void);
/* A spin lock of one word: acquire spins with wfe (so that under QEMU's
 * icount the vCPU holding it runs instead), release is a store-release,
 * which wakes the waiters' wfe through their exclusive monitors. */
void arch_spin_lock(volatile uint32_t *l);
void arch_spin_unlock(volatile uint32_t *l);
/* Send the event that wakes every CPU's wfe (after a plain store that
 * another CPU waits for). */
/* A hint that another CPU has work now (after an SGI): `yield`, which under
 * QEMU's icount hands the round robin to the next vCPU at once instead of
 * at the end of this one's slice; a no-op elsewhere. */
#ifdef KERNEL_HOST_TEST
static inline void arch_sev(void) {}
static inline void arch_wfe(void) {}
static inline void arch_yield_hint(void) {}
#else
static inline void arch_yield_hint(void) { __asm__ volatile("yield" ::: "memory"); }
static inline void arch_sev(void) { __asm__ volatile("dsb ish\n\tsev" ::: "memory"); }
static inline void arch_wfe(void) { __asm__ volatile("wfe" ::: "memory"); }
#endif
/* Switch from the running thread to another (vectors.S). */
void arch_switch(struct thread *from, struct thread *to);
/* The same routine, which returns to's ret[0] (the fast paths tail-call it,
 * vectors.S says why). */
uint64_t arch_switch_ret(struct thread *from, struct thread *to);
/* The same with `to` seventh (x6): a1..a5 are ignored, so that a fast path
 * passes the registers it holds as they are (vectors.S). */
uint64_t arch_switch_fast(struct thread *from, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                          uint64_t a5, struct thread *to);
/* Prepare a thread's first return to EL0: at entry with x0 = arg, its
 * user stack, and a link register (user_exit) to return to when entry
 * returns.  kstack_top is the top of its kernel stack. */
void arch_context_init_user(struct context *c, uint64_t kstack_top, uint64_t entry,
                            uint64_t arg, uint64_t user_sp, uint64_t user_exit);

/* Address spaces.  A vspace is a level-1 table (512 GiB, 4 KiB granule)
 * whose kernel entries are shared and whose user entries are private. */
#define VM_READ   1u
#define VM_WRITE  2u
#define VM_EXEC   4u
uint64_t *arch_vspace_create(void);                    /* NULL when out of pages */
void arch_vspace_destroy(uint64_t *l1, unsigned asid);  /* frees the tables, flushes the ASID */
int arch_map_page(uint64_t *l1, uint64_t va, uint64_t pa, unsigned vmflags); /* 0, -1 no memory */
uint64_t arch_unmap_page(uint64_t *l1, unsigned asid, uint64_t va); /* old pa or 0 */
uint64_t arch_lookup(uint64_t *l1, uint64_t va, unsigned *vmflags); /* pa or 0 */
uint64_t arch_ttbr(uint64_t *l1, unsigned asid);
uint64_t *arch_kernel_l1(void);
/* Entries of the kernel's mapping that break W^X (0 when none). */
unsigned arch_check_kernel_wx(void);
/* Entries of the user half of l1 that break its rule (mmu.c): executable
 * outside [code_start, code_end), or writable there, or open to EL1. */
unsigned arch_check_user_exec(const uint64_t *l1, uint64_t code_start, uint64_t code_end);

/* The counter frequency and the preemption timer. */
uint64_t arch_timer_freq(void);
void arch_timer_arm(uint64_t ticks);
void arch_timer_stop(void);

/* Physical and kernel virtual addresses are the same: RAM is mapped 1:1. */
static inline void *phys_to_virt(uint64_t pa) { return (void *)(uintptr_t)pa; }
static inline uint64_t virt_to_phys(const void *va) { return (uint64_t)(uintptr_t)va; }

#define read_sysreg(r) ({ uint64_t __v; __asm__ volatile("mrs %0, " #r : "=r"(__v)); __v; })
#define write_sysreg(r, v) __asm__ volatile("msr " #r ", %0" : : "r"((uint64_t)(v)))
#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")

#endif
