#include "task.h"
#include "ntfn.h"
#include "frame.h"
#include "pmem.h"
#include "sched.h"

#define MAX_TASKS 16

struct task task_pool[MAX_TASKS];
const unsigned task_pool_size = MAX_TASKS;


/* Physical memory never runs out under the pools' limits: 16 tasks of
 * about 140 private pages, 48 threads of 5, 64 frames of at most 64 pages
 * and their page tables are about 8,300 pages, of the 32,000 free at boot
 * in 128 MiB.  So no test reaches the paths that handle pmem_alloc or a
 * page-table allocation failing, here, in task_create and in
 * task_add_thread (plugin/README.md, Coverage); they stay for other pool
 * sizes and memory sizes. */
static int map_user_image(struct task *t)
{
	const struct user_layout *u = &user_layout;
	uint64_t va = u->text_start, end = u->text_end, pa = u->text_lma;
	for (; va < end; va += PAGE_SIZE, pa += PAGE_SIZE)
		if (arch_map_page(t->l1, va, pa, VM_READ | VM_EXEC))
			return IPC_E_NOMEM;
	/* Private data: a copy of the initial values, then zeroed bss. */
	uint64_t dstart = u->data_start, dinit = u->data_end - u->data_start, dend = u->bss_end;
	for (va = dstart; va < dend; va += PAGE_SIZE) {
		uint64_t page = pmem_alloc(1);
		if (!page || arch_map_page(t->l1, va, page, VM_READ | VM_WRITE)) {
			if (page)
				pmem_free(page, 1);
			return IPC_E_NOMEM;
		}
		uint64_t off = va - dstart;
		if (off < dinit) {
			uint64_t n = dinit - off < PAGE_SIZE ? dinit - off : PAGE_SIZE;
			memcpy(phys_to_virt(page), phys_to_virt(u->data_lma + off), n);
		}
	}
	return IPC_OK;
}

/* Private pages of an address space that is going away (the user image's
 * shared code is not private; frames are unmapped by frame_forget_task). */
static void free_private_pages(struct task *t)
{
	for (uint64_t va = user_layout.data_start; va < user_layout.bss_end; va += PAGE_SIZE) {
		uint64_t pa = arch_unmap_page(t->l1, t->asid, va);
		if (pa)
			pmem_free(pa, 1);
	}
	for (unsigned i = 0; i < t->nthreads; i++) {
		uint64_t top = thread_stack_top(i);
		for (unsigned p = 1; p <= USER_STACK_PAGES; p++) {
			uint64_t pa = arch_unmap_page(t->l1, t->asid, top - p * PAGE_SIZE);
			if (pa)
				pmem_free(pa, 1);
		}
		uint64_t pa = arch_unmap_page(t->l1, t->asid, USER_IPCBUF_BASE + i * PAGE_SIZE);
		if (pa)
			pmem_free(pa, 1);
	}
	/* Only the root task has a boot info page, and it never ends. */
	uint64_t pa = arch_unmap_page(t->l1, t->asid, USER_BOOTINFO);
	if (pa)
		pmem_free(pa, 1);
}

/* The struct goes once nothing can name it (task.h): it has ended, no
 * capability names it and none of its threads' objects is left. */
static void task_free_if_unreachable(struct task *t)
{
	if (!t->used || t->l1 || t->l1_kept || t->refs)
		return;
	for (unsigned i = 0; i < t->nthreads; i++)
		if (t->thread[i])
			return;
	t->used = false;
}

/* Inlined where a task ends or leaves a CPU; its own copy serves the
 * self-check, which asks only while a task's tables are kept for another
 * CPU: the few instructions between a stop and that CPU's next entry,
 * which no test stops the suite in, so that copy's lines are never run. */
bool task_runs_elsewhere(const struct task *t)
{
	for (unsigned i = 0; i < ncpus; i++)
		if (&cpus[i] != this_cpu() && cpus[i].curr->task == t)
			return true;
	return false;
}

void task_leave_cpu(struct task *t, struct thread *th)
{
	(void)th;
	if (!t->l1_kept || task_runs_elsewhere(t))
		return;
	/* The last CPU that ran it: this one, on its tables until the
	 * switch that follows (the kernel's own mappings are in every
	 * table, and nothing is allocated before that switch). */
	arch_vspace_destroy(t->l1_kept, t->asid);
	t->l1_kept = NULL;
	task_free_if_unreachable(t);
}

void task_forget_thread(struct task *t, struct thread *th)
{
	KASSERT(th->index < t->nthreads && t->thread[th->index] == th);
	t->thread[th->index] = NULL;
	task_free_if_unreachable(t);
}

struct task *task_create(const char *name, unsigned maxprio)
{
	struct task *t = NULL;
	for (unsigned i = 0; i < MAX_TASKS; i++) {
		if (!task_pool[i].used) {
			t = &task_pool[i];
			memset(t, 0, sizeof *t);
			t->asid = i + 1;   /* ASID 0 is the kernel's (idle) */
			break;
		}
	}
	if (!t)
		return NULL;
	t->l1 = arch_vspace_create();
	if (!t->l1)
		return NULL;
	t->used = true;
	t->maxprio = (uint8_t)maxprio;
	t->state = TS_INACTIVE;
	size_t n = 0;
	for (; name && name[n] && n + 1 < TASK_NAME_MAX; n++)
		t->name[n] = name[n];
	t->name[n] = '\0';
	if (map_user_image(t) != IPC_OK) {   /* out of pages: never (above) */
		task_abort(t);
		return NULL;
	}
	return t;
}

int task_spawn(const char *name, unsigned prio, uint64_t entry, uint64_t arg, struct task **out)
{
	struct task *t = task_create(name, prio);
	if (!t)
		return IPC_E_NOMEM;
	struct thread *th;
	int err = task_add_thread(t, prio, entry, arg, &th);
	if (err != IPC_OK) {
		task_abort(t);
		return err;
	}
	cap_insert(&t->cs, TASK_SLOT_SELF, CAP_TASK, RIGHTS_ALL, 0, t);
	cap_insert(&t->cs, TASK_SLOT_THREAD, CAP_THREAD, RIGHTS_ALL, 0, th);
	*out = t;
	return IPC_OK;
}

void task_abort(struct task *t)
{
	KASSERT(t->nthreads == 0 && t->refs == 0);
	free_private_pages(t);
	arch_vspace_destroy(t->l1, t->asid);
	t->l1 = NULL;
	t->used = false;
}

int task_add_thread(struct task *t, unsigned prio, uint64_t entry, uint64_t arg,
                    struct thread **out)
{
	if (!t->l1 || t->nthreads >= TASK_MAX_THREADS)
		return t->l1 ? IPC_E_NOMEM : IPC_E_STATE;
	struct thread *th = thread_alloc(t, prio);
	if (!th)
		return IPC_E_NOMEM;
	unsigned i = t->nthreads;
	uint64_t top = thread_stack_top(i);
	uint64_t stack = pmem_alloc(USER_STACK_PAGES);
	uint64_t ipcbuf = pmem_alloc(1);
	if (!stack || !ipcbuf) {   /* out of pages: never (map_user_image) */
		if (stack)
			pmem_free(stack, USER_STACK_PAGES);
		if (ipcbuf)
			pmem_free(ipcbuf, 1);
		th->used = false;
		return IPC_E_NOMEM;
	}
	for (unsigned p = 0; p < USER_STACK_PAGES; p++)
		if (arch_map_page(t->l1, top - (USER_STACK_PAGES - p) * PAGE_SIZE,
		                  stack + p * PAGE_SIZE, VM_READ | VM_WRITE))
			panic("out of memory for page tables");
	if (arch_map_page(t->l1, USER_IPCBUF_BASE + i * PAGE_SIZE, ipcbuf, VM_READ | VM_WRITE))
		panic("out of memory for page tables");
	t->nthreads++;
	t->nlive++;
	t->thread[i] = th;
	th->index = i;
	th->ipcbuf_pa = ipcbuf;
	th->ctx.ttbr0 = arch_ttbr(t->l1, t->asid);
	th->ctx.tpidrro = USER_IPCBUF_BASE + i * PAGE_SIZE;
	arch_context_init_user(&th->ctx, th->kstack, entry, arg, top, user_layout.thread_exit);
	*out = th;
	return IPC_OK;
}

void task_thread_ended(struct task *t, unsigned state, int64_t code)
{
	KASSERT(t->nlive > 0);
	t->nlive--;
	if (state == TS_FAULTED) {
		t->state = TS_FAULTED;
		t->code = code;
		/* A fault ends the whole task, its unstarted threads too (else
		 * one could still be started in a task that has faulted).  The
		 * faulting thread is still allocated: the task cannot go during
		 * this loop. */
		for (unsigned i = 0; i < t->nthreads; i++) {
			struct thread *o = t->thread[i];
			if (o && !thread_ended(o))
				thread_stop(o, TS_FAULTED, code);
		}
	} else if (t->state != TS_FAULTED && t->nlive == 0) {
		/* The task has ended when its last thread has, with that code. */
		t->state = state == TS_STOPPED ? TS_STOPPED : TS_EXITED;
		t->code = code;
	}
	if (t->nlive > 0 || !t->l1)
		return;
	/* Unmapping is safe while another CPU still runs one of its threads
	 * (the TLB invalidations reach every CPU); the tables that CPU walks
	 * are not: they stay until it has left (task_leave_cpu). */
	frame_forget_task(t);
	free_private_pages(t);
	if (task_runs_elsewhere(t))
		t->l1_kept = t->l1;
	else
		arch_vspace_destroy(t->l1, t->asid);
	t->l1 = NULL;
	if (t->end_ntfn) {
		struct ntfn *n = t->end_ntfn;
		t->end_ntfn = NULL;
		ntfn_signal(n, t->end_badge);
		obj_put(CAP_NTFN, n);
	}
	cap_delete_all(&t->cs);
	/* The struct stays: at least the thread whose end this is is still
	 * allocated; it goes with the last of its threads' objects and
	 * capabilities (task_free_if_unreachable). */
}

int task_stop(struct task *t)
{
	if (!t->l1)
		return IPC_E_STATE;   /* it has ended already */
	bool self = t == current->task;
	/* The caller holds a capability to t: it cannot go during the loop. */
	for (unsigned i = 0; i < t->nthreads; i++) {
		struct thread *o = t->thread[i];
		if (o && !thread_ended(o))
			thread_stop(o, TS_STOPPED, 0);
	}
	if (self)
		sched_block();   /* the caller was one of them: it never returns */
	return IPC_OK;
}

int task_lookup_thread(struct cspace *cs, uint64_t slot, struct thread **out)
{
	struct cap *c;
	int err = cap_lookup(cs, slot, CAP_THREAD, RIGHT_WRITE, &c);
	if (err == IPC_OK) {
		*out = c->obj;
		return IPC_OK;
	}
	if (err != IPC_E_TYPE)
		return err;
	err = cap_lookup(cs, slot, CAP_TASK, RIGHT_WRITE, &c);
	if (err != IPC_OK)
		return err;
	*out = task_first_thread(c->obj);
	return *out ? IPC_OK : IPC_E_STATE;
}

int task_start_thread(struct thread *th)
{
	if (th->state != TS_INACTIVE)
		return IPC_E_STATE;
	th->task->state = TS_RUNNABLE;
	sched_wake(th);
	return IPC_OK;
}

int task_insert_cap(struct task *t, uint64_t dest, const struct cap *c)
{
	if (!t->l1)
		return IPC_E_STATE;
	int err = cap_check_free(&t->cs, dest);
	if (err != IPC_OK)
		return err;
	cap_insert(&t->cs, dest, c->type, c->rights, c->badge, c->obj);
	return IPC_OK;
}

int task_bind_end(struct task *t, struct ntfn *n, uint64_t badge)
{
	if (!t->l1)
		return IPC_E_STATE;
	obj_get(CAP_NTFN, n);
	if (t->end_ntfn)
		obj_put(CAP_NTFN, t->end_ntfn);
	t->end_ntfn = n;
	t->end_badge = badge;
	return IPC_OK;
}

void task_release(struct task *t)
{
	KASSERT(t->refs == 0);
	/* Still running (or never started): it can no longer be controlled,
	 * but runs on and is freed after its end.  Ended: it goes now unless
	 * one of its threads' objects is still named. */
	task_free_if_unreachable(t);
}

bool task_check_orphan(struct task *t)
{
	if (!t->l1)
		return false;
	unsigned refs = t->refs, own = 0, unstarted = 0;
	for (unsigned i = 0; i < t->nthreads; i++) {
		const struct thread *th = t->thread[i];
		if (!th)
			continue;
		if (th->state == TS_RUNNABLE || th->state == TS_BLOCKED)
			return false;   /* it runs: it ends by itself */
		if (th->state == TS_INACTIVE)
			unstarted++;
		refs += th->refs;
	}
	for (unsigned s = 1; s < CSPACE_SLOTS; s++) {
		const struct cap *c = &t->cs.slot[s];
		if ((c->type == CAP_TASK && c->obj == t) ||
		    (c->type == CAP_THREAD && ((const struct thread *)c->obj)->task == t))
			own++;
	}
	if (own != refs)
		return false;
	/* Its last unstarted thread's end tears the task down and empties its
	 * cspace, which drops the self references and may free it: the loop
	 * stops at that thread and reads nothing after it. */
	for (unsigned i = 0; unstarted; i++) {
		struct thread *th = t->thread[i];
		if (th && th->state == TS_INACTIVE) {
			unstarted--;
			thread_stop(th, TS_EXITED, 0);
		}
	}
	return true;
}

bool task_is_guard(const struct task *t, uint64_t uva)
{
	for (unsigned i = 0; i < t->nthreads; i++) {
		uint64_t guard = thread_stack_top(i) - (USER_STACK_PAGES + 1) * PAGE_SIZE;
		if (uva >= guard && uva < guard + PAGE_SIZE)
			return true;
	}
	return false;
}

int task_copy_in(struct task *t, void *dst, uint64_t uva, size_t n)
{
	char *d = dst;
	while (n) {
		unsigned flags;
		if (uva < USER_BASE || uva >= USER_STACK_TOP)
			return IPC_E_ADDR;
		uint64_t pa = arch_lookup(t->l1, uva, &flags);
		if (!pa || !(flags & VM_READ))
			return IPC_E_ADDR;
		size_t chunk = PAGE_SIZE - (uva & (PAGE_SIZE - 1));
		if (chunk > n)
			chunk = n;
		memcpy(d, phys_to_virt(pa), chunk);
		d += chunk;
		uva += chunk;
		n -= chunk;
	}
	return IPC_OK;
}
