/*
 * User-side syscall stubs: one inline function per syscall of
 * <ipclab/abi.h>, with the ABI's register convention spelled out to the
 * compiler (what each svc reads, returns and clobbers).
 */
#ifndef USER_SYS_H
#define USER_SYS_H

#include <stdint.h>
#include <ipclab/abi.h>

struct sysret {
	int64_t err;            /* x0: IPC_OK or a negative IPC_E_* */
	uint64_t v;             /* x1: the value, or a received message's info */
	uint64_t mr[MSG_REG_WORDS]; /* x2..x5: message registers */
	uint64_t badge;         /* x6: a received message's badge */
};

#define SYS_CLOBBERS "x7", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", \
	"x18", "memory", "cc"

static inline struct sysret syscall6(uint64_t n, uint64_t a0, uint64_t a1, uint64_t a2,
                                     uint64_t a3, uint64_t a4, uint64_t a5)
{
	register uint64_t x0 __asm__("x0") = a0;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;
	register uint64_t x4 __asm__("x4") = a4;
	register uint64_t x5 __asm__("x5") = a5;
	register uint64_t x6 __asm__("x6");
	register uint64_t x8 __asm__("x8") = n;
	__asm__ volatile("svc #0"
	                 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "=r"(x6), "+r"(x8)
	                 :
	                 : SYS_CLOBBERS);
	return (struct sysret){ (int64_t)x0, x1, { x2, x3, x4, x5 }, x6 };
}

#define SYS0(n) syscall6((n), 0, 0, 0, 0, 0, 0)

static inline int64_t sys_null(void) { return SYS0(SYS_NULL).err; }
static inline int64_t sys_yield(void) { return SYS0(SYS_YIELD).err; }
static inline int64_t sys_puts(const char *s, uint64_t len)
{
	return syscall6(SYS_PUTS, (uint64_t)(uintptr_t)s, len, 0, 0, 0, 0).err;
}
__attribute__((noreturn)) static inline void sys_exit(int64_t code)
{
	syscall6(SYS_EXIT, (uint64_t)code, 0, 0, 0, 0, 0);
	__builtin_unreachable();
}
static inline int64_t sys_create(uint64_t ctrl, uint64_t type, uint64_t dest, uint64_t arg)
{
	return syscall6(SYS_CREATE, ctrl, type, dest, arg, 0, 0).err;
}
static inline int64_t sys_task_create(uint64_t ctrl, uint64_t dest, void (*entry)(uint64_t),
                                      uint64_t arg, uint64_t prio, const char *name)
{
	return syscall6(SYS_TASK_CREATE, ctrl, dest, (uint64_t)(uintptr_t)entry, arg, prio,
	                (uint64_t)(uintptr_t)name).err;
}
static inline int64_t sys_thread_create(uint64_t task, uint64_t dest, void (*entry)(uint64_t),
                                        uint64_t arg, uint64_t prio)
{
	return syscall6(SYS_THREAD_CREATE, task, dest, (uint64_t)(uintptr_t)entry, arg, prio, 0).err;
}
static inline int64_t sys_start(uint64_t slot) { return syscall6(SYS_START, slot, 0, 0, 0, 0, 0).err; }
static inline int64_t sys_cap_copy(uint64_t task, uint64_t src, uint64_t dest, uint64_t rights,
                                   uint64_t badge)
{
	return syscall6(SYS_CAP_COPY, task, src, dest, rights, badge, 0).err;
}
static inline int64_t sys_cap_delete(uint64_t slot) { return syscall6(SYS_CAP_DELETE, slot, 0, 0, 0, 0, 0).err; }
static inline struct sysret sys_status(uint64_t slot) { return syscall6(SYS_STATUS, slot, 0, 0, 0, 0, 0); }
static inline int64_t sys_shutdown(uint64_t ctrl, int64_t code)
{
	return syscall6(SYS_SHUTDOWN, ctrl, (uint64_t)code, 0, 0, 0, 0).err;
}
static inline int64_t sys_signal(uint64_t slot, uint64_t badge)
{
	return syscall6(SYS_SIGNAL, slot, badge, 0, 0, 0, 0).err;
}
static inline struct sysret sys_wait(uint64_t slot) { return syscall6(SYS_WAIT, slot, 0, 0, 0, 0, 0); }
static inline struct sysret sys_poll(uint64_t slot) { return syscall6(SYS_POLL, slot, 0, 0, 0, 0, 0); }
static inline struct sysret sys_peek(uint64_t slot) { return syscall6(SYS_PEEK, slot, 0, 0, 0, 0, 0); }
static inline struct sysret sys_send(uint64_t ep, uint64_t info, const uint64_t mr[4])
{
	return syscall6(SYS_SEND, ep, info, mr[0], mr[1], mr[2], mr[3]);
}
static inline struct sysret sys_nbsend(uint64_t ep, uint64_t info, const uint64_t mr[4])
{
	return syscall6(SYS_NBSEND, ep, info, mr[0], mr[1], mr[2], mr[3]);
}
static inline struct sysret sys_recv(uint64_t ep) { return syscall6(SYS_RECV, ep, 0, 0, 0, 0, 0); }
static inline struct sysret sys_call(uint64_t ep, uint64_t info, const uint64_t mr[4])
{
	return syscall6(SYS_CALL, ep, info, mr[0], mr[1], mr[2], mr[3]);
}
static inline struct sysret sys_reply_recv(uint64_t ep, uint64_t info, const uint64_t mr[4])
{
	return syscall6(SYS_REPLY_RECV, ep, info, mr[0], mr[1], mr[2], mr[3]);
}
static inline int64_t sys_reply(uint64_t info, const uint64_t mr[4])
{
	return syscall6(SYS_REPLY, info, mr[0], mr[1], mr[2], mr[3], 0).err;
}
static inline int64_t sys_stop(uint64_t task) { return syscall6(SYS_STOP, task, 0, 0, 0, 0, 0).err; }
static inline int64_t sys_map(uint64_t frame, uint64_t task, uint64_t va, uint64_t rights)
{
	return syscall6(SYS_MAP, frame, task, va, rights, 0, 0).err;
}
static inline int64_t sys_unmap(uint64_t frame, uint64_t task)
{
	return syscall6(SYS_UNMAP, frame, task, 0, 0, 0, 0).err;
}
static inline struct sysret sys_selfcheck(uint64_t ctrl) { return syscall6(SYS_SELFCHECK, ctrl, 0, 0, 0, 0, 0); }
static inline int64_t sys_bound_ntfn(uint64_t task, uint64_t ntfn, uint64_t badge)
{
	return syscall6(SYS_BOUND_NTFN, task, ntfn, badge, 0, 0, 0).err;
}
static inline int64_t sys_set_cpu(uint64_t thread, uint64_t cpu)
{
	return syscall6(SYS_SET_CPU, thread, cpu, 0, 0, 0, 0).err;
}
/* v: the CPU the caller runs on; mr[0]: the number of CPUs. */
static inline struct sysret sys_cpu_info(void) { return SYS0(SYS_CPU_INFO); }
static inline unsigned sys_cpu_self(void) { return (unsigned)sys_cpu_info().v; }
static inline unsigned sys_cpu_count(void) { return (unsigned)sys_cpu_info().mr[0]; }

/* This thread's IPC buffer (message words 4.. and IPCBUF_RECV_SLOT). */
static inline uint64_t *ipc_buffer(void)
{
	uint64_t p;
	__asm__("mrs %0, tpidrro_el0" : "=r"(p));
	return (uint64_t *)(uintptr_t)p;
}

/* The counters, read at EL0 (the kernel enables it). */
static inline uint64_t read_cycles(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, pmccntr_el0" : "=r"(v));
	return v;
}

#endif
