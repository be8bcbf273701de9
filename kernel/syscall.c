/*
 * The syscall handlers and their table.  A handler decodes its arguments
 * (slots into capabilities, checked in cap_lookup's order; numbers into
 * what they mean), checks every one before anything changes, and calls
 * the object that does the work (task.c, thread.c, ntfn.c, ep.c,
 * frame.c, cap.c, object.c).  It returns x0 (IPC_OK or an error) and
 * leaves other results in current->ret[1..6].  vectors.S calls them with
 * the user's x0..x5 as arguments.  SYS_CALL and SYS_REPLY_RECV enter the
 * fast path (fastpath.c) instead, which comes back here for the general
 * path (fastpath.h says why).
 */
#include "cap.h"
#include "ep.h"
#include "fastpath.h"
#include "frame.h"
#include "ntfn.h"
#include "sched.h"
#include "selfcheck.h"
#include "task.h"

typedef uint64_t (*syscall_fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

#define ERR(e) ((uint64_t)(int64_t)(e))
#define TRY(expr) \
	do { \
		int __e = (expr); \
		if (__e != IPC_OK) \
			return ERR(__e); \
	} while (0)

static struct cspace *my_cs(void) { return &current->task->cs; }

/* The table's entry only: vectors.S answers SYS_NULL in its vector slot,
 * so this never runs. */
static uint64_t sys_null(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return IPC_OK;
}

static uint64_t sys_yield(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	sched_yield();
	return IPC_OK;
}

#define PUTS_MAX 4096

static uint64_t sys_puts(uint64_t ptr, uint64_t len, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (len > PUTS_MAX)
		return ERR(IPC_E_RANGE);
	if (ptr < USER_BASE || ptr >= USER_STACK_TOP || len > USER_STACK_TOP - ptr)
		return ERR(IPC_E_ADDR);
	TRY(console_write_user(current->task, ptr, len));
	current->ret[1] = len;
	return IPC_OK;
}

static uint64_t sys_exit(uint64_t code, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	thread_exit((int64_t)code);
}

static uint64_t sys_create(uint64_t ctrl, uint64_t type, uint64_t dest, uint64_t arg, uint64_t a4, uint64_t a5)
{
	(void)a4, (void)a5;
	struct cap *c;
	TRY(cap_lookup(my_cs(), ctrl, CAP_CTRL, RIGHT_WRITE, &c));
	TRY(cap_check_free(my_cs(), dest));
	void *obj;
	TRY(obj_create(type, arg, &obj));
	cap_insert(my_cs(), dest, (unsigned)type, RIGHTS_ALL, 0, obj);
	return IPC_OK;
}

static int check_entry(uint64_t entry)
{
	if (entry < user_layout.text_start || entry >= user_layout.text_end)
		return IPC_E_ADDR;
	if (!ALIGNED(entry, 4))
		return IPC_E_ALIGN;
	return IPC_OK;
}

static int check_prio(uint64_t prio)
{
	if (prio > PRIO_MAX)
		return IPC_E_ARG;
	if (prio > current->prio)
		return IPC_E_PRIO;
	return IPC_OK;
}

/* A task's name from the caller's memory, cut to TASK_NAME_MAX - 1. */
static int copy_name(uint64_t name_ptr, char name[TASK_NAME_MAX])
{
	size_t i = 0;
	for (; i + 1 < TASK_NAME_MAX; i++) {
		int err = task_copy_in(current->task, &name[i], name_ptr + i, 1);
		if (err != IPC_OK)
			return err;
		if (!name[i])
			break;
	}
	name[i] = '\0';
	return IPC_OK;
}

static uint64_t sys_task_create(uint64_t ctrl, uint64_t dest, uint64_t entry, uint64_t arg,
                                uint64_t prio, uint64_t name_ptr)
{
	struct cap *c;
	char name[TASK_NAME_MAX] = "task";
	TRY(cap_lookup(my_cs(), ctrl, CAP_CTRL, RIGHT_WRITE, &c));
	TRY(cap_check_free(my_cs(), dest));
	TRY(check_entry(entry));
	TRY(check_prio(prio));
	if (name_ptr)
		TRY(copy_name(name_ptr, name));
	struct task *t;
	TRY(task_spawn(name, (unsigned)prio, entry, arg, &t));
	cap_insert(my_cs(), dest, CAP_TASK, RIGHTS_ALL, 0, t);
	return IPC_OK;
}

static uint64_t sys_thread_create(uint64_t task, uint64_t dest, uint64_t entry, uint64_t arg,
                                  uint64_t prio, uint64_t a5)
{
	(void)a5;
	struct cap *c;
	TRY(cap_lookup(my_cs(), task, CAP_TASK, RIGHT_WRITE, &c));
	TRY(cap_check_free(my_cs(), dest));
	TRY(check_entry(entry));
	TRY(check_prio(prio));
	struct thread *th;
	TRY(task_add_thread(c->obj, (unsigned)prio, entry, arg, &th));
	cap_insert(my_cs(), dest, CAP_THREAD, RIGHTS_ALL, 0, th);
	return IPC_OK;
}

static uint64_t sys_start(uint64_t slot, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct thread *t;
	TRY(task_lookup_thread(my_cs(), slot, &t));
	return ERR(task_start_thread(t));
}

static uint64_t sys_cap_copy(uint64_t task, uint64_t src, uint64_t dest, uint64_t rights,
                             uint64_t badge, uint64_t a5)
{
	(void)a5;
	struct cap *tc, *sc, copy;
	TRY(cap_lookup(my_cs(), task, CAP_TASK, RIGHT_WRITE, &tc));
	TRY(cap_get(my_cs(), src, &sc));
	TRY(cap_mint(sc, rights, badge, &copy));
	return ERR(task_insert_cap(tc->obj, dest, &copy));
}

static uint64_t sys_cap_delete(uint64_t slot, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	int err = cap_delete(my_cs(), slot);
	sched_preempt();   /* the object's waiters may have woken (sched.h) */
	return ERR(err);
}

static uint64_t sys_status(uint64_t slot, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct cap *c;
	int err = cap_lookup(my_cs(), slot, CAP_TASK, RIGHT_READ, &c);
	if (err == IPC_OK) {
		current->ret[1] = task_status(c->obj);
		return IPC_OK;
	}
	if (err != IPC_E_TYPE)
		return ERR(err);
	TRY(cap_lookup(my_cs(), slot, CAP_THREAD, RIGHT_READ, &c));
	current->ret[1] = thread_status(c->obj);
	return IPC_OK;
}

static uint64_t sys_shutdown(uint64_t ctrl, uint64_t code, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct cap *c;
	TRY(cap_lookup(my_cs(), ctrl, CAP_CTRL, RIGHT_WRITE, &c));
	/* A task reports its own outcome; the kernel's failures are the
	 * kernel's to report, so that an exit status means what it says. */
	switch (code) {
	case IPCLAB_EXIT_OK:
	case IPCLAB_EXIT_FAILED:
	case IPCLAB_EXIT_ARGS:
	case IPCLAB_EXIT_BOOTINFO:
		plat_exit((enum ipclab_exit)code);
	default:
		return ERR(IPC_E_ARG);
	}
}

static uint64_t sys_signal(uint64_t slot, uint64_t badge, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct cap *c;
	TRY(cap_lookup(my_cs(), slot, CAP_NTFN, RIGHT_WRITE, &c));
	uint64_t b = cap_badge(c, badge);
	if (b == 0)
		return ERR(IPC_E_ARG);
	ntfn_signal(c->obj, b);
	return IPC_OK;
}

static uint64_t sys_wait(uint64_t slot, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct cap *c;
	TRY(cap_lookup(my_cs(), slot, CAP_NTFN, RIGHT_READ, &c));
	/* IPC_OK unless the notification goes while this thread waits. */
	return ntfn_wait(c->obj);
}

static uint64_t sys_poll(uint64_t slot, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct cap *c;
	TRY(cap_lookup(my_cs(), slot, CAP_NTFN, RIGHT_READ, &c));
	current->ret[1] = ntfn_poll(c->obj);
	return IPC_OK;
}

static uint64_t sys_peek(uint64_t slot, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct cap *c;
	TRY(cap_lookup(my_cs(), slot, CAP_NTFN, RIGHT_READ, &c));
	current->ret[1] = ntfn_peek(c->obj);
	return IPC_OK;
}

/* The message info: its length, reserved bits, and a capability to carry. */
static int check_info(uint64_t info, const struct cap *ep, bool may_carry)
{
	if (info & ~(uint64_t)(0x3ff | MSG_HAS_CAP | (0xffffull << 16)))
		return IPC_E_ARG;
	if (MSG_LEN(info) > MSG_MAX_WORDS)
		return IPC_E_MSGSIZE;
	if (!(info & MSG_HAS_CAP)) {
		if (MSG_CAP(info))
			return IPC_E_ARG;
		return IPC_OK;
	}
	if (!may_carry || !(ep->rights & RIGHT_GRANT))
		return IPC_E_GRANT;
	struct cap *carried;
	return cap_get(my_cs(), MSG_CAP(info), &carried);
}

static uint64_t do_send(uint64_t slot, uint64_t info, uint64_t m0, uint64_t m1, uint64_t m2,
                        uint64_t m3, bool blocking)
{
	struct cap *c;
	TRY(cap_lookup(my_cs(), slot, CAP_EP, RIGHT_WRITE, &c));
	TRY(check_info(info, c, true));
	const uint64_t mr[MSG_REG_WORDS] = { m0, m1, m2, m3 };
	return ep_send(c->obj, c->badge, info, mr, blocking, false);
}

static uint64_t sys_send(uint64_t slot, uint64_t info, uint64_t m0, uint64_t m1, uint64_t m2, uint64_t m3)
{
	return do_send(slot, info, m0, m1, m2, m3, true);
}

static uint64_t sys_nbsend(uint64_t slot, uint64_t info, uint64_t m0, uint64_t m1, uint64_t m2, uint64_t m3)
{
	return do_send(slot, info, m0, m1, m2, m3, false);
}

/* Call and ReplyRecv after the fast path stepped aside: any info up to
 * MSG_MAX_WORDS is a plain length, so only larger ones need checking. */
uint64_t syscall_call_general(struct thread *self, uint64_t info, uint64_t m0, uint64_t m1,
                              uint64_t m2, uint64_t m3, const struct cap *c)
{
	(void)self;
	if (unlikely(info > MSG_MAX_WORDS))
		TRY(check_info(info, c, true));
	const uint64_t mr[MSG_REG_WORDS] = { m0, m1, m2, m3 };
	return ep_call(c->obj, c->badge, info, mr);
}

static uint64_t sys_recv(uint64_t slot, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct cap *c;
	TRY(cap_lookup(my_cs(), slot, CAP_EP, RIGHT_READ, &c));
	return ep_recv(c->obj);
}

uint64_t syscall_reply_recv_general(struct thread *self, uint64_t info, uint64_t m0, uint64_t m1,
                                    uint64_t m2, uint64_t m3, const struct cap *c)
{
	(void)self;
	if (unlikely(info > MSG_MAX_WORDS))
		TRY(check_info(info, c, false));
	const uint64_t mr[MSG_REG_WORDS] = { m0, m1, m2, m3 };
	return ep_reply_recv(c->obj, info, mr);
}

static uint64_t sys_reply(uint64_t info, uint64_t m0, uint64_t m1, uint64_t m2, uint64_t m3, uint64_t a5)
{
	(void)a5;
	TRY(check_info(info, NULL, false));
	const uint64_t mr[MSG_REG_WORDS] = { m0, m1, m2, m3 };
	return ep_reply(info, mr);
}

static uint64_t sys_stop(uint64_t task, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct cap *c;
	TRY(cap_lookup(my_cs(), task, CAP_TASK, RIGHT_WRITE, &c));
	int err = task_stop(c->obj);
	sched_preempt();   /* callers of its threads, waiters of its objects (sched.h) */
	return ERR(err);
}

static uint64_t sys_map(uint64_t frame, uint64_t task, uint64_t va, uint64_t rights, uint64_t a4, uint64_t a5)
{
	(void)a4, (void)a5;
	struct cap *fc, *tc;
	TRY(cap_lookup(my_cs(), frame, CAP_FRAME, RIGHT_READ, &fc));
	TRY(cap_lookup(my_cs(), task, CAP_TASK, RIGHT_WRITE, &tc));
	if ((rights & ~(uint64_t)(RIGHT_READ | RIGHT_WRITE)) || !(rights & RIGHT_READ))
		return ERR(IPC_E_ARG);
	if ((rights & RIGHT_WRITE) && !(fc->rights & RIGHT_WRITE))
		return ERR(IPC_E_RIGHTS);
	unsigned flags = VM_READ | ((rights & RIGHT_WRITE) ? VM_WRITE : 0);
	return ERR(frame_map(fc->obj, tc->obj, va, flags));
}

static uint64_t sys_unmap(uint64_t frame, uint64_t task, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct cap *fc, *tc;
	TRY(cap_lookup(my_cs(), frame, CAP_FRAME, RIGHT_READ, &fc));
	TRY(cap_lookup(my_cs(), task, CAP_TASK, RIGHT_WRITE, &tc));
	return ERR(frame_unmap(fc->obj, tc->obj));
}

static uint64_t sys_selfcheck(uint64_t ctrl, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct cap *c;
	TRY(cap_lookup(my_cs(), ctrl, CAP_CTRL, RIGHT_READ, &c));
	current->ret[1] = selfcheck();
	return IPC_OK;
}

static uint64_t sys_bound_ntfn(uint64_t task, uint64_t ntfn, uint64_t badge, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a3, (void)a4, (void)a5;
	struct cap *tc, *nc;
	TRY(cap_lookup(my_cs(), task, CAP_TASK, RIGHT_WRITE, &tc));
	TRY(cap_lookup(my_cs(), ntfn, CAP_NTFN, RIGHT_WRITE, &nc));
	uint64_t b = cap_badge(nc, badge);
	if (b == 0)
		return ERR(IPC_E_ARG);
	int err = task_bind_end(tc->obj, nc->obj, b);
	sched_preempt();   /* the binding it replaced may have been the last: its waiters woke */
	return ERR(err);
}

unsigned cpu_index_of_mpidr(uint64_t mpidr);   /* main.c */

static uint64_t sys_set_cpu(uint64_t slot, uint64_t cpu, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct thread *t;
	TRY(task_lookup_thread(my_cs(), slot, &t));
	if (cpu >= ncpus)
		return ERR(IPC_E_ARG);
	if (thread_ended(t) || (thread_on_cpu(t) && t != current))
		return ERR(IPC_E_STATE);
	sched_set_cpu(t, &cpus[cpu]);
	return IPC_OK;
}

static uint64_t sys_cpu_info(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	/* The CPU the hardware says this is, not the thread's field: what a
	 * test of placement must see. */
	current->ret[1] = cpu_index_of_mpidr(arch_cpu_mpidr());
	current->ret[2] = ncpus;
	return IPC_OK;
}

const syscall_fn syscall_table[] = {
	[SYS_NULL] = sys_null,
	[SYS_YIELD] = sys_yield,
	[SYS_PUTS] = sys_puts,
	[SYS_EXIT] = sys_exit,
	[SYS_CREATE] = sys_create,
	[SYS_TASK_CREATE] = sys_task_create,
	[SYS_THREAD_CREATE] = sys_thread_create,
	[SYS_START] = sys_start,
	[SYS_CAP_COPY] = sys_cap_copy,
	[SYS_CAP_DELETE] = sys_cap_delete,
	[SYS_STATUS] = sys_status,
	[SYS_SHUTDOWN] = sys_shutdown,
	[SYS_SIGNAL] = sys_signal,
	[SYS_WAIT] = sys_wait,
	[SYS_POLL] = sys_poll,
	[SYS_PEEK] = sys_peek,
	[SYS_SEND] = sys_send,
	[SYS_NBSEND] = sys_nbsend,
	[SYS_RECV] = sys_recv,
	[SYS_CALL] = fastpath_call,
	[SYS_REPLY_RECV] = fastpath_reply_recv,
	[SYS_MAP] = sys_map,
	[SYS_UNMAP] = sys_unmap,
	[SYS_SELFCHECK] = sys_selfcheck,
	[SYS_BOUND_NTFN] = sys_bound_ntfn,
	[SYS_REPLY] = sys_reply,
	[SYS_STOP] = sys_stop,
	[SYS_SET_CPU] = sys_set_cpu,
	[SYS_CPU_INFO] = sys_cpu_info,
};
_Static_assert(ARRAY_SIZE(syscall_table) == SYS_COUNT, "one handler per syscall number");

void syscall_check_table(void)
{
	for (unsigned i = 0; i < SYS_COUNT; i++)
		if (!syscall_table[i])
			panic("syscall %u has no handler", i);   /* the table is whole: never */
}
