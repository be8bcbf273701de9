#include "cap.h"
#include "ep.h"
#include "frame.h"
#include "ntfn.h"
#include "pmem.h"
#include "sched.h"
#include "selfcheck.h"
#include "task.h"

static unsigned bad;

/* A CHECK that fails means the kernel is broken, and the suite that runs
 * this after every test passes only when none does: the failure branches
 * (and the lookups that only they make) are never run. */
#define CHECK(cond, ...) \
	do { \
		if (!(cond)) { \
			printk("selfcheck: " __VA_ARGS__); \
			printk("\n"); \
			bad++; \
		} \
	} while (0)

static bool in_queue(const struct tqueue *q, const struct thread *t)
{
	for (const struct thread *p = q->head; p; p = p->next)
		if (p == t)
			return true;
	return false;
}

static void check_queue(const struct tqueue *q, const char *what, unsigned i, uint8_t blk, const void *obj)
{
	const struct thread *prev = NULL;
	for (const struct thread *p = q->head; p; prev = p, p = p->next) {
		CHECK(p->prev == prev, "%s %u: broken back link", what, i);
		CHECK(p->used && p->state == TS_BLOCKED && p->blocked_on == blk && p->wait_obj == obj,
		      "%s %u: queued thread %d is not blocked on it", what, i, (int)(p - thread_pool));
	}
	CHECK(q->tail == prev, "%s %u: tail is not the last thread", what, i);
}

/* obj is an element of pool[0..n) (elements of `size` bytes). */
static bool in_pool(const void *pool, unsigned n, size_t size, const void *obj)
{
	uintptr_t off = (uintptr_t)obj - (uintptr_t)pool;
	return (uintptr_t)obj >= (uintptr_t)pool && off < (uintptr_t)n * size && off % size == 0;
}
#define IN_POOL(pool, n, obj) in_pool(pool, n, sizeof (pool)[0], obj)

static bool task_alive(const struct task *t) { return IN_POOL(task_pool, task_pool_size, t) && t->used; }
static bool thread_alive(const struct thread *t)
{
	return IN_POOL(thread_pool, thread_pool_size, t) && t->used;
}
static bool ntfn_alive(const struct ntfn *n) { return IN_POOL(ntfn_pool, ntfn_pool_size, n) && n->used; }
static bool ep_alive(const struct ep *e) { return IN_POOL(ep_pool, ep_pool_size, e) && e->used; }

/* The object a capability of this type names is allocated. */
static bool cap_obj_alive(unsigned type, const void *obj)
{
	switch (type) {
	case CAP_CTRL:   return obj == &ctrl_object;
	case CAP_TASK:   return task_alive(obj);
	case CAP_THREAD: return thread_alive(obj);
	case CAP_NTFN:   return ntfn_alive(obj);
	case CAP_EP:     return ep_alive(obj);
	case CAP_FRAME:  return IN_POOL(frame_pool, frame_pool_size, obj) && ((const struct frame *)obj)->used;
	default:         return false;
	}
}

static unsigned count_refs(unsigned type, const void *obj)
{
	unsigned n = 0;
	for (unsigned i = 0; i < task_pool_size; i++) {
		const struct task *t = &task_pool[i];
		if (!t->used)
			continue;
		for (unsigned s = 0; s < CSPACE_SLOTS; s++)
			if (t->cs.slot[s].type == type && t->cs.slot[s].obj == obj)
				n++;
		if (type == CAP_NTFN && t->end_ntfn == obj)
			n++;
	}
	return n;
}

/* Every CPU's run queues hold runnable threads of that CPU only, at
 * their priority, and its bitmap says which queues are not empty; what a
 * CPU runs is on no queue. */
static void check_cpus(void)
{
	for (unsigned c = 0; c < ncpus; c++) {
		const struct cpu *cpu = &cpus[c];
		for (unsigned p = 0; p <= PRIO_MAX; p++) {
			const struct tqueue *q = &cpu->runq[p];
			bool bit = cpu->runq_bitmap[p / 64] >> (p % 64) & 1;
			CHECK(bit == !tq_empty(q), "CPU %u: priority %u's bit does not match its queue", c, p);
			for (const struct thread *t = q->head; t; t = t->next)
				CHECK(thread_alive(t) && t->state == TS_RUNNABLE && t->cpu == cpu && t->prio == p &&
				      t != cpu->curr, "CPU %u: queued thread %d is not a runnable thread of it",
				      c, (int)(t - thread_pool));
		}
		for (unsigned w = 0; w < RUNQ_WORDS; w++)
			CHECK(!(cpu->runq_words >> w & 1) == !cpu->runq_bitmap[w], "CPU %u: word %u of the bitmap", c, w);
	}
}

unsigned selfcheck(void)
{
	bad = 0;
	check_cpus();
	for (unsigned i = 0; i < thread_pool_size; i++) {
		const struct thread *t = &thread_pool[i];
		if (!t->used)
			continue;
		/* Its task keeps its struct and lists it (thread.h, task.h). */
		if (!task_alive(t->task)) {
			CHECK(0, "thread %u: no task", i);
			continue;
		}
		CHECK(t->index < t->task->nthreads && t->task->thread[t->index] == t,
		      "thread %u: its task does not list it", i);
		CHECK(t->task->l1 || thread_ended(t), "thread %u: live in a task that ended", i);
		CHECK(!thread_ended(t) || t->refs > 0 || thread_on_cpu(t),
		      "thread %u: ended and named by no capability, but not freed", i);
		CHECK(t->refs == count_refs(CAP_THREAD, t), "thread %u: %u refs, %u caps", i, t->refs,
		      count_refs(CAP_THREAD, t));
		if (t->caller) {
			const struct thread *c = t->caller;
			CHECK(thread_alive(c) && c->state == TS_BLOCKED && c->blocked_on == BLK_REPLY &&
			      c->wait_obj == t, "thread %u: its caller does not wait for its reply", i);
		}
		if (t->state == TS_RUNNABLE && !thread_on_cpu(t))
			CHECK(runq_contains(t), "thread %u: runnable but not queued", i);
		if (t->state != TS_BLOCKED)
			continue;
		switch (t->blocked_on) {
		case BLK_NTFN:
			if (!ntfn_alive(t->wait_obj)) {
				CHECK(0, "thread %u: blocked on a freed notification", i);
				break;
			}
			CHECK(in_queue(&((const struct ntfn *)t->wait_obj)->waiters, t), "thread %u: not in its notification's queue", i);
			break;
		case BLK_SEND:
		case BLK_RECV:
			if (!ep_alive(t->wait_obj)) {
				CHECK(0, "thread %u: blocked on a freed endpoint", i);
				break;
			}
			CHECK(in_queue(&((const struct ep *)t->wait_obj)->q, t), "thread %u: not in its endpoint's queue", i);
			break;
		case BLK_REPLY:
			CHECK(thread_alive(t->wait_obj) && ((const struct thread *)t->wait_obj)->caller == t,
			      "thread %u: waits for a reply nobody owes", i);
			break;
		default:
			CHECK(0, "thread %u: blocked on nothing", i);
		}
	}
	for (unsigned i = 0; i < ntfn_pool_size; i++) {
		const struct ntfn *n = &ntfn_pool[i];
		if (!n->used)
			continue;
		CHECK(!(n->word && !tq_empty(&n->waiters)), "notification %u: pending word and waiters", i);
		check_queue(&n->waiters, "notification", i, BLK_NTFN, n);
		CHECK(n->refs == count_refs(CAP_NTFN, n), "notification %u: %u refs, %u caps", i, n->refs, count_refs(CAP_NTFN, n));
	}
	for (unsigned i = 0; i < ep_pool_size; i++) {
		const struct ep *e = &ep_pool[i];
		if (!e->used)
			continue;
		CHECK((e->state == EP_IDLE) == tq_empty(&e->q), "endpoint %u: state %u does not match its queue", i, e->state);
		if (e->state != EP_IDLE)
			check_queue(&e->q, "endpoint", i, e->state == EP_SEND ? BLK_SEND : BLK_RECV, e);
		CHECK(e->refs == count_refs(CAP_EP, e), "endpoint %u: %u refs, %u caps", i, e->refs, count_refs(CAP_EP, e));
	}
	for (unsigned i = 0; i < frame_pool_size; i++) {
		const struct frame *f = &frame_pool[i];
		if (!f->used)
			continue;
		CHECK(f->refs == count_refs(CAP_FRAME, f), "frame %u: %u refs, %u caps", i, f->refs, count_refs(CAP_FRAME, f));
		for (int m = 0; m < FRAME_MAX_MAPS; m++) {
			const struct task *t = f->map[m].task;
			if (!t)
				continue;
			CHECK(t->used && t->l1, "frame %u: mapped in a task that ended", i);
			if (t->used && t->l1)
				CHECK(arch_lookup(t->l1, f->map[m].va, NULL) == f->pa, "frame %u: mapping %d lost", i, m);
		}
	}
	for (unsigned i = 0; i < task_pool_size; i++) {
		const struct task *t = &task_pool[i];
		if (!t->used)
			continue;
		CHECK(t->refs == count_refs(CAP_TASK, t), "task %u: %u refs, %u caps", i, t->refs, count_refs(CAP_TASK, t));
		CHECK(t->l1 || t->nlive == 0, "task %u: live threads without an address space", i);
		CHECK(!t->l1 || t->nlive > 0, "task %u: an address space and no live thread", i);
		/* Its thread list: each entry allocated, of this task, at its index. */
		unsigned listed = 0, live = 0;
		for (unsigned k = 0; k < TASK_MAX_THREADS; k++) {
			const struct thread *th = t->thread[k];
			if (!th)
				continue;
			listed++;
			CHECK(k < t->nthreads && thread_alive(th) && th->task == t && th->index == k,
			      "task %u: thread[%u] is not its thread %u", i, k, k);
			if (thread_alive(th) && !thread_ended(th))
				live++;
		}
		CHECK(live == t->nlive, "task %u: %u live threads listed, nlive %u", i, live, t->nlive);
		/* Its page tables are kept only while another CPU still runs one
		 * of its (ended) threads, which has yet to take the lock and
		 * leave it (task.h); then the struct stays too. */
		bool kept_for_cpu = t->l1_kept && task_runs_elsewhere(t);
		CHECK(!t->l1_kept || kept_for_cpu, "task %u: page tables kept, but no other CPU runs it", i);
		CHECK(t->l1 || t->refs > 0 || listed > 0 || kept_for_cpu,
		      "task %u: ended and unreachable, but not freed", i);
		/* No capability in its cspace, nor its end notification, names a freed object. */
		CHECK(t->cs.slot[0].type == CAP_NULL, "task %u: slot 0 is not empty", i);
		for (unsigned s = 1; s < CSPACE_SLOTS; s++) {
			const struct cap *c = &t->cs.slot[s];
			if (c->type != CAP_NULL)
				CHECK(cap_obj_alive(c->type, c->obj), "task %u slot %u: capability of type %u to a freed object",
				      i, s, c->type);
		}
		CHECK(!t->end_ntfn || ntfn_alive(t->end_ntfn), "task %u: its end notification was freed", i);
		if (t->l1) {
			unsigned x = arch_check_user_exec(t->l1, user_layout.text_start, user_layout.text_end);
			CHECK(x == 0, "task %u: %u user pages executable outside the shared code (or writable in it)", i, x);
		}
	}
	CHECK(ctrl_object.refs == count_refs(CAP_CTRL, &ctrl_object), "control capability refs");
	unsigned wx = arch_check_kernel_wx();
	CHECK(wx == 0, "kernel mapping: %u entries break W^X", wx);
	return bad;
}
