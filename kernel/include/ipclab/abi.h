/*
 * The ipclab kernel ABI: the only header shared by the kernel and user code.
 *
 * Register convention (AArch64, `svc #0`):
 *   x8        syscall number (enum sys)
 *   x0..x5    arguments
 *   x0        on return: status (IPC_OK or a negative enum ipc_err)
 *   x1        on return: the value of syscalls that return one (a slot,
 *             a badge, a signal word, a message info)
 *   x2..x5    on return from recv/call/reply_recv: message registers 0..3
 *   x6        on return from recv/reply_recv: the sender's badge
 *   x7..x18   zeroed by every syscall (x1..x6 hold stale values of this
 *             thread when they carry no result: SYS_NULL leaves them as
 *             the task had them); x19..x30 and sp are
 *             preserved, the flags are not.
 * The clobber list is what lets the entry path skip saving registers that
 * the C handler would not preserve anyway: a syscall is a function call.
 *
 * Every bad argument returns a distinct negative error code and changes
 * nothing.  No syscall faults or hangs the kernel.
 *
 * CPUs: every thread runs on one CPU, numbered 0 .. ncpus - 1 (the boot
 * info's ncpus, or SYS_CPU_INFO's x2).  A new thread (SYS_TASK_CREATE,
 * SYS_THREAD_CREATE) runs on its creator's CPU; SYS_SET_CPU moves it, and
 * nothing else does.  SYS_SET_CPU takes a thread that has not started,
 * is blocked, is waiting for a CPU, or is the caller itself (which then
 * continues on the new CPU); a thread running on another CPU at that
 * moment gives IPC_E_STATE, as does an ended one; a CPU number that is
 * not running gives IPC_E_ARG.
 */
#ifndef IPCLAB_ABI_H
#define IPCLAB_ABI_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

/* Syscall numbers.  The kernel's dispatch table is checked against
 * SYS_COUNT at compile time. */
#define SYS_NULL          0  /* () -> 0: the cheapest round trip */
#define SYS_YIELD         1  /* () -> 0: give the CPU to an equal-priority thread */
#define SYS_PUTS          2  /* (ptr, len) -> len: write to the console */
#define SYS_EXIT          3  /* (code): end the calling thread */
#define SYS_CREATE        4  /* (ctrl, type, dest, arg) -> 0: new object */
#define SYS_TASK_CREATE   5  /* (ctrl, dest, entry, arg, prio) -> 0: new task, one thread */
#define SYS_THREAD_CREATE 6  /* (task, dest, entry, arg, prio) -> 0: another thread */
#define SYS_START         7  /* (thread or task) -> 0: make it runnable */
#define SYS_CAP_COPY      8  /* (task, src, dest, rights, badge) -> 0: mint into a task */
#define SYS_CAP_DELETE    9  /* (slot) -> 0 */
#define SYS_STATUS       10  /* (task or thread) -> state | code << 8 */
#define SYS_SHUTDOWN     11  /* (ctrl, code): stop the machine, QEMU exiting with code (enum ipclab_exit) */
#define SYS_SIGNAL       12  /* (ntfn, badge) -> 0 */
#define SYS_WAIT         13  /* (ntfn) -> word */
#define SYS_POLL         14  /* (ntfn) -> word, 0 when nothing is pending */
#define SYS_PEEK         15  /* (ntfn) -> word, not cleared */
#define SYS_SEND         16  /* (ep, info, mr0..mr3) -> 0 */
#define SYS_NBSEND       17  /* (ep, info, mr0..mr3) -> 0 or IPC_E_WOULDBLOCK */
#define SYS_RECV         18  /* (ep) -> info, mr0..mr3, badge */
#define SYS_CALL         19  /* (ep, info, mr0..mr3) -> reply */
#define SYS_REPLY_RECV   20  /* (ep, info, mr0..mr3) -> next message */
#define SYS_MAP          21  /* (frame, task, vaddr, rights) -> 0 */
#define SYS_UNMAP        22  /* (frame, task) -> 0 */
#define SYS_SELFCHECK    23  /* (ctrl) -> 0 or the number of broken invariants */
#define SYS_BOUND_NTFN   24  /* (task, ntfn, badge) -> 0: signal on the task's end */
#define SYS_REPLY        25  /* (info, mr0..mr3) -> 0: answer this thread's caller, do not wait */
#define SYS_STOP         26  /* (task) -> 0: end every thread of the task now (TS_STOPPED) */
#define SYS_SET_CPU      27  /* (thread or task, cpu) -> 0: the CPU the thread runs on from now */
#define SYS_CPU_INFO     28  /* () -> the CPU the caller runs on; x2: the number of CPUs */
#define SYS_COUNT        29

/* Error codes: one enum, distinct, negative on return. */
#define IPC_OK               0
#define IPC_E_NOSYS         -1  /* unknown syscall number */
#define IPC_E_SLOT          -2  /* slot number out of range */
#define IPC_E_EMPTY         -3  /* slot holds no capability */
#define IPC_E_TYPE          -4  /* capability of the wrong type */
#define IPC_E_RIGHTS        -5  /* capability lacks a needed right */
#define IPC_E_OCCUPIED      -6  /* destination slot is not empty */
#define IPC_E_NOMEM         -7  /* an object pool or physical memory is exhausted */
#define IPC_E_ADDR          -8  /* address outside user space or not mapped */
#define IPC_E_ALIGN         -9  /* misaligned pointer or address */
#define IPC_E_RANGE        -10  /* length or count out of range */
#define IPC_E_ARG          -11  /* other invalid argument (type, priority, ...) */
#define IPC_E_STATE        -12  /* object in the wrong state (already started, ...) */
#define IPC_E_MAPPED       -13  /* mapping overlaps an existing one, or frame already mapped there */
#define IPC_E_NOTMAPPED    -14  /* nothing to unmap */
#define IPC_E_WOULDBLOCK   -15  /* non-blocking send found no receiver */
#define IPC_E_NOREPLY      -16  /* reply with no caller waiting */
#define IPC_E_MSGSIZE      -17  /* message longer than the IPC buffer */
#define IPC_E_GRANT        -18  /* capability transfer without the grant right */
#define IPC_E_PRIO         -19  /* priority above the caller's own */
#define IPC_E_COUNT         20  /* codes 0 .. -(IPC_E_COUNT - 1) */

/* Capability types. */
#define CAP_NULL    0
#define CAP_CTRL    1  /* the root task's authority to create objects and stop the machine */
#define CAP_TASK    2  /* a task: its address space and capability space */
#define CAP_THREAD  3
#define CAP_NTFN    4
#define CAP_EP      5
#define CAP_FRAME   6
#define CAP_NTYPES  7

/* Rights. */
#define RIGHT_READ   1u  /* wait/poll/peek a notification; recv on an endpoint; map readable */
#define RIGHT_WRITE  2u  /* signal; send/call; map writable; control a task/thread */
#define RIGHT_GRANT  4u  /* an endpoint capability that may carry a capability */
#define RIGHTS_ALL   7u

/* Thread states, as returned by SYS_STATUS in the low byte. */
#define TS_INACTIVE  0  /* created, not started */
#define TS_RUNNABLE  1
#define TS_BLOCKED   2
#define TS_EXITED    3  /* code in bits 8.. */
#define TS_FAULTED   4  /* fault kind (FAULT_*) in bits 8.. */
#define TS_STOPPED   5  /* ended by SYS_STOP */

/* Fault kinds, reported by SYS_STATUS for a faulted task. */
#define FAULT_NONE         0
#define FAULT_DATA         1  /* data abort: unmapped or kernel address */
#define FAULT_INSTR        2  /* instruction abort */
#define FAULT_UNDEF        3  /* undefined instruction (FP/SIMD included) */
#define FAULT_ALIGN        4  /* misaligned access (data, PC or SP) */
#define FAULT_STACK        5  /* stack overflow into the guard page */
#define FAULT_WRITE_RO     6  /* write to a read-only mapping */
#define FAULT_OTHER        7
#define FAULT_NKINDS       8

/* Message info word (x1 of send/call/reply_recv, returned in x1 of recv):
 * bits 0..9 the length in words (0..MSG_MAX_WORDS), bit 10 "carries a
 * capability" (its slot in bits 16..31 of the sender's info; the receiver's
 * slot in bits 16..31 of the received info).  Words 0..3 travel in x2..x5;
 * the rest, up to a page, in the thread's IPC buffer (at word index 4..).
 * A capability sent with a message is copied (the sender keeps its own),
 * with the rights and badge it has in the sender's slot. */
#define MSG_REG_WORDS    4
#define MSG_MAX_WORDS    512         /* one 4 KiB page */
#define MSG_LEN(info)    ((uint64_t)(info) & 0x3ff)
#define MSG_HAS_CAP      (1u << 10)
#define MSG_CAP_LOST     (1u << 11)  /* in a received info: a capability was sent but no slot took it */
#define IPCBUF_RECV_SLOT 0           /* IPC buffer word 0: where an incoming capability goes */
#define MSG_CAP(info)    (((uint64_t)(info) >> 16) & 0xffff)
#define MSG_INFO(len, cap_slot, has_cap) \
	((uint64_t)(len) | ((has_cap) ? MSG_HAS_CAP : 0) | ((uint64_t)(cap_slot) << 16))

/* Capability spaces, priorities, address-space layout. */
#define CSPACE_SLOTS      64
#define PRIO_MAX          255
#define PAGE_SIZE         4096
#define USER_BASE         0x1000000000ull  /* code and read-only data, shared by all tasks */
#define USER_MAP_BASE     0x2000000000ull  /* where frames may be mapped */
#define USER_MAP_END      0x3000000000ull
#define USER_STACK_TOP    0x4000000000ull  /* thread stacks grow down from here, with guard pages */
#define USER_STACK_PAGES  4
#define USER_IPCBUF_BASE  0x3800000000ull  /* one page per thread; TPIDRRO_EL0 points to it */
#define USER_BOOTINFO     0x3f00000000ull  /* the root task's boot info page (read-only) */
#define FRAME_PAGES_MAX   64   /* pages in one frame */
#define FRAME_MAPS_MAX    8    /* tasks one frame may be mapped into at once */
#define ROOT_PRIO         200  /* the root task's priority, the highest it may give */

#ifndef __ASSEMBLER__
/* Exit statuses: QEMU's exit status at the end of a run (the root task's
 * SYS_SHUTDOWN code, or the kernel's own when it stops the machine).  One
 * entry a line, `IPCLAB_EXIT_<NAME> = <n>,` and a comment saying what it
 * means: the harness reads this enum (bench/platform.py), keep that shape.  A task may shut down
 * with OK, FAILED, ARGS or BOOTINFO only; PANIC, KERNEL_FAULT and DEADLOCK
 * are the kernel's (SYS_SHUTDOWN refuses them with IPC_E_ARG).  QEMU itself
 * exits 1 when it cannot start, and `timeout` 124: the output tells those
 * apart from FAILED. */
enum ipclab_exit {
	IPCLAB_EXIT_OK = 0,            /* success: the demonstration, every test or the workload passed */
	IPCLAB_EXIT_FAILED = 1,        /* a test, the workload or the demonstration failed */
	IPCLAB_EXIT_PANIC = 2,         /* kernel panic */
	IPCLAB_EXIT_KERNEL_FAULT = 3,  /* an exception in the kernel (a decoded report precedes it) */
	IPCLAB_EXIT_DEADLOCK = 4,      /* no thread can run (the blocked threads are listed) */
	IPCLAB_EXIT_ARGS = 5,          /* boot arguments refused: not understood, or too long */
	IPCLAB_EXIT_BOOTINFO = 6,      /* the root task found no valid boot info */
};
#endif

/* Boot info: what the root task finds at USER_BOOTINFO. */
#define BOOTINFO_MAGIC    0x4f46494c43504900ull  /* "\0IPCLIFO" */
#define BOOTARGS_MAX      1024
#define ROOT_SLOT_CTRL    1   /* the root's CAP_CTRL */
#define ROOT_SLOT_TASK    2   /* the root's own task */
#define ROOT_SLOT_THREAD  3   /* the root's own thread */
#define TASK_SLOT_SELF    1   /* every created task finds itself here */
#define TASK_SLOT_THREAD  2   /* and its first thread here */

#ifndef __ASSEMBLER__
struct bootinfo {
	uint64_t magic;
	uint64_t first_free_slot;   /* the root's first empty slot */
	uint64_t ram_pages_free;    /* physical pages left for objects */
	uint64_t timer_hz;          /* CNTFRQ_EL0 */
	uint64_t tick_hz;           /* preemption ticks per second */
	uint64_t ncpus;             /* CPUs running (1..4, from the device tree) */
	uint64_t bootargs_len;      /* the true length of /chosen/bootargs: when it is
	                             * BOOTARGS_MAX or more, bootargs holds only the
	                             * start (the root task refuses them) */
	char bootargs[BOOTARGS_MAX]; /* /chosen/bootargs, NUL-terminated */
};
#endif

#endif /* IPCLAB_ABI_H */
