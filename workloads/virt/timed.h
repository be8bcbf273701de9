/*
 * Syscalls with the cycle counter read around them, each one asm block so
 * that the compiler can neither move work into the measured window nor out
 * of it.  INSN is "svc #0" for a sample, "nop" for the overhead.
 *
 *   TIMED_BOTH   mrs t0; INSN; mrs t1             -> t1 - t0 (same thread)
 *   TIMED_START  mrs t0; str t0, [start]; INSN; mrs t1
 *                The thread that wakes up in another thread's syscall reads
 *                that thread's *start; its own t1 ends the other's sample.
 */
#ifndef WORKLOADS_TIMED_H
#define WORKLOADS_TIMED_H

#include <stdint.h>

#define TIMED_CLOBBERS "x7", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", \
	"x18", "memory", "cc"

/* x0..x5 in and out (arguments, results, message registers), x6 out, x8 the number. */
#define TIMED_REGS(num, a0, a1, m0, m1, m2, m3) \
	register uint64_t x0 __asm__("x0") = (a0); \
	register uint64_t x1 __asm__("x1") = (a1); \
	register uint64_t x2 __asm__("x2") = (m0); \
	register uint64_t x3 __asm__("x3") = (m1); \
	register uint64_t x4 __asm__("x4") = (m2); \
	register uint64_t x5 __asm__("x5") = (m3); \
	register uint64_t x6 __asm__("x6"); \
	register uint64_t x8 __asm__("x8") = (num)

#define TIMED_OUTS "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "=r"(x6), "+r"(x8)

/* Returns t1 - t0 of one INSN; *ret gets x0 (the status). */
#define DEFINE_TIMED_BOTH(name, INSN) \
	static inline uint64_t name(uint64_t num, uint64_t a0, uint64_t a1, int64_t *ret) \
	{ \
		TIMED_REGS(num, a0, a1, 0, 0, 0, 0); \
		uint64_t t0, t1; \
		__asm__ volatile("mrs %[t0], pmccntr_el0\n\t" INSN "\n\tmrs %[t1], pmccntr_el0" \
		                 : [t0] "=&r"(t0), [t1] "=&r"(t1), TIMED_OUTS \
		                 : : TIMED_CLOBBERS); \
		(void)x6; \
		*ret = (int64_t)x0; \
		return t1 - t0; \
	}

/* Stores t0 in *start before INSN; returns t1 read right after INSN.
 * mr[] carries message registers in and out; *ret gets x0. */
#define DEFINE_TIMED_START(name, INSN) \
	static inline uint64_t name(uint64_t num, uint64_t a0, uint64_t a1, uint64_t mr[4], \
	                            volatile uint64_t *start, int64_t *ret) \
	{ \
		TIMED_REGS(num, a0, a1, mr[0], mr[1], mr[2], mr[3]); \
		uint64_t t0, t1; \
		__asm__ volatile("mrs %[t0], pmccntr_el0\n\tstr %[t0], [%[st]]\n\t" INSN \
		                 "\n\tmrs %[t1], pmccntr_el0" \
		                 : [t0] "=&r"(t0), [t1] "=&r"(t1), TIMED_OUTS \
		                 : [st] "r"(start) : TIMED_CLOBBERS); \
		(void)x6; \
		mr[0] = x2, mr[1] = x3, mr[2] = x4, mr[3] = x5; \
		*ret = (int64_t)x0; \
		return t1; \
	}

DEFINE_TIMED_BOTH(timed_svc, "svc #0")
DEFINE_TIMED_BOTH(timed_nop, "nop")
DEFINE_TIMED_START(timed_start_svc, "svc #0")
DEFINE_TIMED_START(timed_start_nop, "nop")

#endif
