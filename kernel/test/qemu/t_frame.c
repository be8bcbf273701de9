/*
 * Frames: shared between tasks at different addresses, the map errors
 * (misaligned, outside the map window, overlapping, mapped twice, too
 * many mappings), and pool exhaustion returning IPC_E_NOMEM for every
 * kind of object, with everything reusable afterwards.
 */
#include "harness.h"
#include "tests.h"

#define SPIN_LIMIT 100000

static void exit_at_once(uint64_t arg) { sys_exit((int64_t)arg); }

struct xchg {
	volatile uint64_t root_data[2];   /* page 0 and page 1 */
	volatile uint64_t flag[2];
	volatile uint64_t data[2][16];
};

/* arg: where this child mapped the frame (bit 0: which child). */
static void sharer(uint64_t arg)
{
	uint64_t me = arg & 1, other = 1 - me;
	struct xchg *x = (struct xchg *)(uintptr_t)(arg & ~1ull);
	volatile uint64_t *page1 = (volatile uint64_t *)((uintptr_t)x + PAGE_SIZE);
	C_CHECK(x->root_data[0] == 0xabc && page1[0] == 0xdef);   /* the root's writes */
	for (int i = 0; i < 16; i++)
		x->data[me][i] = (me + 1) * 1000 + i;
	x->flag[me] = 1;
	unsigned spins = 0;
	while (!x->flag[other] && spins++ < SPIN_LIMIT)
		sys_yield();
	C_CHECK(x->flag[other]);
	for (int i = 0; i < 16; i++)
		C_CHECK(x->data[other][i] == (other + 1) * 1000 + i);
	page1[1 + me] = 0x100 + me;
	sys_exit(0);
}

void test_frame_shared(void)
{
	uint64_t f = t_frame(2);
	struct xchg *x = t_map_root(f, 2, RIGHT_READ | RIGHT_WRITE);
	volatile uint64_t *page1 = (volatile uint64_t *)((uintptr_t)x + PAGE_SIZE);
	x->root_data[0] = 0xabc;
	page1[0] = 0xdef;
	const uint64_t va[2] = { USER_MAP_BASE + 0x10000, USER_MAP_BASE + 0x40000000 };
	struct child c[2];
	for (int i = 0; i < 2; i++) {
		if (!t_child(&c[i], sharer, va[i] | (uint64_t)i, 100, "sharer"))
			return;
		t_map_child(&c[i], f, va[i], RIGHT_READ | RIGHT_WRITE);
	}
	t_start(&c[0]);
	t_start(&c[1]);
	t_join_ok(&c[0], "sharer 0");
	t_join_ok(&c[1], "sharer 1");
	for (int i = 0; i < 16; i++) {
		T_EQ(x->data[0][i], 1000 + i);
		T_EQ(x->data[1][i], 2000 + i);
	}
	T_EQ(page1[1], 0x100);
	T_EQ(page1[2], 0x101);
}

void test_frame_map_errors(void)
{
	uint64_t a = t_frame(2), b = t_frame(1), c = t_frame(2);
	const uint64_t base = USER_MAP_BASE + 0x300000000ull;   /* away from the root's other mappings */
	const uint64_t R = RIGHT_READ, RW = RIGHT_READ | RIGHT_WRITE;
	T_ERR(sys_map(b, ROOT_SLOT_TASK, base + 8, R), IPC_E_ALIGN);
	T_ERR(sys_map(b, ROOT_SLOT_TASK, base + 0x800, R), IPC_E_ALIGN);
	T_ERR(sys_map(b, ROOT_SLOT_TASK, ~0ull, R), IPC_E_ALIGN);
	const uint64_t outside[] = {
		0, USER_BASE, USER_MAP_BASE - PAGE_SIZE, USER_MAP_END, USER_IPCBUF_BASE,
		USER_STACK_TOP - PAGE_SIZE, USER_BOOTINFO, 0x40200000, 0x40000000, ~0ull & ~0xfffull,
	};
	for (unsigned i = 0; i < sizeof outside / sizeof outside[0]; i++)
		T_ERR(sys_map(b, ROOT_SLOT_TASK, outside[i], R), IPC_E_ADDR);
	T_ERR(sys_map(a, ROOT_SLOT_TASK, USER_MAP_END - PAGE_SIZE, R), IPC_E_ADDR);   /* runs past the end */
	/* Overlaps. */
	T_OK(sys_map(a, ROOT_SLOT_TASK, base, RW));
	volatile uint64_t *pa = (volatile uint64_t *)(uintptr_t)base;
	pa[0] = 0xa0;
	pa[PAGE_SIZE / 8] = 0xa1;
	T_ERR(sys_map(b, ROOT_SLOT_TASK, base, R), IPC_E_MAPPED);
	T_ERR(sys_map(b, ROOT_SLOT_TASK, base + PAGE_SIZE, RW), IPC_E_MAPPED);
	T_ERR(sys_map(c, ROOT_SLOT_TASK, base - PAGE_SIZE, RW), IPC_E_MAPPED);
	T_ERR(sys_map(a, ROOT_SLOT_TASK, base + 16 * PAGE_SIZE, RW), IPC_E_MAPPED);   /* a is mapped here already */
	T_EQ(pa[0], 0xa0);                     /* the refused maps changed nothing */
	T_EQ(pa[PAGE_SIZE / 8], 0xa1);
	T_OK(sys_map(c, ROOT_SLOT_TASK, base + 2 * PAGE_SIZE, RW));   /* adjacent is fine */
	T_OK(sys_map(b, ROOT_SLOT_TASK, base - PAGE_SIZE, RW));       /* and before */
	volatile uint64_t *pb = (volatile uint64_t *)(uintptr_t)(base - PAGE_SIZE);
	volatile uint64_t *pc = (volatile uint64_t *)(uintptr_t)(base + 2 * PAGE_SIZE);
	pb[0] = 0xb0;
	pc[0] = 0xc0;
	T_EQ(pa[0], 0xa0);
	/* Unmap, twice. */
	T_OK(sys_unmap(a, ROOT_SLOT_TASK));
	T_ERR(sys_unmap(a, ROOT_SLOT_TASK), IPC_E_NOTMAPPED);
	T_OK(sys_unmap(b, ROOT_SLOT_TASK));
	T_OK(sys_map(b, ROOT_SLOT_TASK, base + PAGE_SIZE, R));   /* the hole a left */
	pb = (volatile uint64_t *)(uintptr_t)(base + PAGE_SIZE);
	T_EQ(pb[0], 0xb0);                     /* b's contents moved with it */
	T_OK(sys_map(a, ROOT_SLOT_TASK, base + 8 * PAGE_SIZE, R));
	pa = (volatile uint64_t *)(uintptr_t)(base + 8 * PAGE_SIZE);
	T_EQ(pa[PAGE_SIZE / 8], 0xa1);
	T_EQ(pc[0], 0xc0);
	/* A frame maps into at most FRAME_MAPS_MAX tasks. */
	enum { K = FRAME_MAPS_MAX };
	struct child k[K];
	for (int i = 0; i < K; i++)
		if (!t_child(&k[i], exit_at_once, 0, 50, "mapped"))
			return;
	for (int i = 0; i < K - 1; i++)
		T_OK(sys_map(a, k[i].task, USER_MAP_BASE, R));   /* root + K - 1 */
	T_ERR(sys_map(a, k[K - 1].task, USER_MAP_BASE, R), IPC_E_NOMEM);
	T_ERR(sys_unmap(a, k[K - 1].task), IPC_E_NOTMAPPED);
	T_OK(sys_unmap(a, k[0].task));
	T_OK(sys_map(a, k[K - 1].task, USER_MAP_BASE, R));
	for (int i = 0; i < K; i++)
		t_start(&k[i]);
	for (int i = 0; i < K; i++)
		t_join_ok(&k[i], "mapped child");
	/* The children ended: their mappings went with them. */
	T_ERR(sys_unmap(a, k[K - 1].task), IPC_E_NOTMAPPED);
	T_OK(sys_unmap(c, ROOT_SLOT_TASK));
	T_OK(sys_unmap(b, ROOT_SLOT_TASK));
	T_OK(sys_unmap(a, ROOT_SLOT_TASK));
}

/* Holds capabilities in its cspace until told (slot 0) to end. */
static void holder(uint64_t arg)
{
	(void)arg;
	sys_wait(CHILD_SLOT(0));
	sys_exit(0);
}

/* Objects of `type` (ntfn, ep or 1-page frame) until IPC_E_NOMEM; they
 * live in a holder child's cspace and in the root's.  Returns how many
 * were made (0 when no NOMEM came), and frees them all. */
static unsigned exhaust(uint64_t type)
{
	struct child h;
	uint64_t wake = t_ntfn();
	if (!t_child(&h, holder, 0, 100, "holder"))
		return 0;
	t_give(&h, wake, CHILD_SLOT(0), RIGHT_READ, 0);
	unsigned made = 0;
	bool nomem = false;
	uint64_t tmp = t_slot();
	for (uint64_t s = CHILD_SLOT(1); s < CSPACE_SLOTS && !nomem; s++) {
		int64_t e = sys_create(ROOT_SLOT_CTRL, type, tmp, 1);
		if (e == IPC_E_NOMEM) {
			nomem = true;
			break;
		}
		T_OK(e);
		made++;
		t_give(&h, tmp, s, RIGHTS_ALL, 0);
		T_OK(sys_cap_delete(tmp));
	}
	uint64_t mine[CSPACE_SLOTS];
	unsigned nmine = 0;
	while (!nomem && !t_failed()) {
		uint64_t s = t_slot();
		if (!s)
			break;
		mine[nmine++] = s;
		int64_t e = sys_create(ROOT_SLOT_CTRL, type, s, 1);
		if (e == IPC_E_NOMEM)
			nomem = true;
		else if (e == IPC_OK)
			made++;
		else
			T_OK(e);
	}
	if (!nomem)
		t_fail(__FILE__, __LINE__, "no IPC_E_NOMEM for type %lu after %u objects", type, made);
	/* Still alive and well at the limit. */
	T_OK(sys_null());
	struct sysret sc = sys_selfcheck(ROOT_SLOT_CTRL);
	T_EQ(sc.v, 0);
	for (unsigned i = 0; i < nmine; i++)
		t_slot_free(mine[i]);
	t_start(&h);
	T_OK(sys_signal(wake, 1));
	t_join_ok(&h, "holder");
	t_slot_free(h.task);
	t_slot_free(h.end);
	t_slot_free(wake);
	t_slot_free(tmp);
	return nomem ? made : 0;
}

static void tasks_and_threads(void)
{
	/* Tasks: until the pool says no. */
	struct child c[16];
	unsigned n = 0;
	int64_t e = IPC_OK;
	for (; n < 16; n++) {
		c[n].task = t_slot();
		c[n].end = t_slot();
		e = sys_task_create(ROOT_SLOT_CTRL, c[n].task, exit_at_once, 0, 50, "many");
		if (e != IPC_OK)
			break;
		T_OK(sys_create(ROOT_SLOT_CTRL, CAP_NTFN, c[n].end, 0));
		T_OK(sys_bound_ntfn(c[n].task, c[n].end, 1));
	}
	T_ERR(e, IPC_E_NOMEM);
	T_CHECK(n > 0 && n < 16);   /* the root is a task too */
	for (unsigned i = 0; i < n; i++)
		t_start(&c[i]);
	for (unsigned i = 0; i < n; i++)
		t_join_ok(&c[i], "one of many tasks");
	for (unsigned i = 0; i <= n && i < 16; i++) {
		t_slot_free(c[i].task);
		t_slot_free(c[i].end);
	}
	/* Threads: 7 tasks of up to 8 threads are more than the pool. */
	struct child t[7];
	for (unsigned i = 0; i < 7; i++)
		if (!t_child(&t[i], exit_at_once, 0, 50, "threads"))
			return;
	uint64_t th[48] = { 0 };
	unsigned nth = 0;
	e = IPC_OK;
	for (unsigned round = 0; round < 7 && e == IPC_OK; round++) {
		for (unsigned i = 0; i < 7 && nth < 48; i++) {
			th[nth] = t_slot();
			e = sys_thread_create(t[i].task, th[nth], exit_at_once, 0, 50);
			if (e != IPC_OK)
				break;
			nth++;
		}
	}
	T_ERR(e, IPC_E_NOMEM);
	T_CHECK(nth > 0);
	for (unsigned i = 0; i < 7; i++)
		t_start(&t[i]);
	for (unsigned i = 0; i < nth; i++)
		T_OK(sys_start(th[i]));
	for (unsigned i = 0; i < 7; i++)
		t_join_ok(&t[i], "task of many threads");
	for (unsigned i = 0; i <= nth && i < 48; i++)
		t_slot_free(th[i]);
	for (unsigned i = 0; i < 7; i++) {
		t_slot_free(t[i].task);
		t_slot_free(t[i].end);
	}
}

void test_pool_exhaustion(void)
{
	const uint64_t types[] = { CAP_NTFN, CAP_EP, CAP_FRAME };
	for (unsigned i = 0; i < 3; i++) {
		unsigned first = exhaust(types[i]);
		unsigned again = exhaust(types[i]);
		T_CHECK(first > 0);
		T_EQ(again, first);    /* all of them came back */
	}
	tasks_and_threads();
	tasks_and_threads();   /* and again: nothing leaked */
}

/* A task that is created and never started, whose capabilities are then
 * deleted, can never run: it must be freed, not hold its pool entries. */
void test_task_unstarted_freed(void)
{
	for (int i = 0; i < 20; i++) {
		struct child c;
		if (!t_child(&c, exit_at_once, 0, 10, "unstarted"))
			return;
		t_slot_free(c.task);
		/* It ended (the end notification says so) without running. */
		struct sysret r = sys_poll(c.end);
		T_OK(r.err);
		T_EQ(r.v, 1);
		t_slot_free(c.end);
		if (t_failed())
			return;
	}
	/* While another capability can still start one of its threads, it lives. */
	struct child c;
	if (!t_child(&c, exit_at_once, 0, 10, "half"))
		return;
	uint64_t th = t_slot();
	T_OK(sys_thread_create(c.task, th, exit_at_once, 0, 10));
	t_slot_free(c.task);
	T_EQ(sys_poll(c.end).v, 0);
	T_EQ(sys_status(th).v, STATUS(TS_INACTIVE, 0));
	t_slot_free(th);                 /* now nobody can */
	T_EQ(sys_poll(c.end).v, 1);
	/* All of them came back: as many tasks as before can be made. */
	struct child k[15];
	unsigned n = 0;
	for (; n < 15; n++)
		if (sys_task_create(ROOT_SLOT_CTRL, k[n].task = t_slot(), exit_at_once, 0, 10, "again") != IPC_OK)
			break;
	T_EQ(n, 15);
	for (unsigned i = 0; i < n; i++)
		t_slot_free(k[i].task);
}
