/*
 * Stopping QEMU.  Semihosting SYS_EXIT (0x18) with the extended block
 * {ADP_Stopped_ApplicationExit, code} makes QEMU exit with `code`; it needs
 * QEMU's -semihosting flag, without which `hlt #0xf000` is an undefined
 * instruction.  plat_exit() is only called when the harness or `make run`
 * started QEMU with the flag, but falls back to PSCI SYSTEM_OFF (exit 0)
 * if the hlt ever returns.
 */
#include "plat.h"

#define SEMIHOST_SYS_EXIT          0x18
#define ADP_STOPPED_APPLICATIONEXIT 0x20026
#define PSCI_SYSTEM_OFF            0x84000008ul
#define PSCI_CPU_ON_64             0xc4000003ul

int64_t plat_cpu_on(bool smc, uint64_t mpidr, uint64_t entry, uint64_t ctx)
{
	register uint64_t x0 __asm__("x0") = PSCI_CPU_ON_64;
	register uint64_t x1 __asm__("x1") = mpidr;
	register uint64_t x2 __asm__("x2") = entry;
	register uint64_t x3 __asm__("x3") = ctx;
	if (smc)   /* virt's conduit with EL2 or EL3, booted on one CPU only by the tests: never */
		__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	else
		__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return (int64_t)x0;
}

static volatile bool tried;
static volatile int exit_code;

/* Asked only by the kernel's fault report (trap.c): never in a passing suite. */
bool plat_exit_trapped(void)
{
	return tried;
}

_Noreturn void plat_exit(enum ipclab_exit code)
{
	static volatile uint64_t block[2];
	/* Without -semihosting the hlt traps and the trap handler calls us
	 * again (plat_exit_trapped): the second time, go straight to PSCI. */
	if (tried)
		goto off;
	tried = true;
	exit_code = code;
	block[0] = ADP_STOPPED_APPLICATIONEXIT;
	block[1] = (uint64_t)(int64_t)code;
	register uint64_t w0 __asm__("x0") = SEMIHOST_SYS_EXIT;
	register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)block;
	__asm__ volatile("hlt #0xf000" : "+r"(w0) : "r"(x1) : "memory");
off:;	/* only without -semihosting (mk/qemu.mk always gives it): never */
	register uint64_t fn __asm__("x0") = PSCI_SYSTEM_OFF;
	__asm__ volatile("hvc #0" : "+r"(fn) : : "memory");
	for (;;)
		__asm__ volatile("wfi");
}
