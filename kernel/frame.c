#include "frame.h"
#include "pmem.h"
#include "task.h"

#define MAX_FRAMES 64

struct frame frame_pool[MAX_FRAMES];
const unsigned frame_pool_size = MAX_FRAMES;

struct frame *frame_alloc(uint64_t npages, int *err)
{
	if (npages == 0 || npages > FRAME_MAX_PAGES) {
		*err = IPC_E_RANGE;
		return NULL;
	}
	for (unsigned i = 0; i < MAX_FRAMES; i++) {
		struct frame *f = &frame_pool[i];
		if (f->used)
			continue;
		uint64_t pa = pmem_alloc((unsigned)npages);
		if (!pa)
			break;
		memset(f, 0, sizeof *f);
		f->used = true;
		f->pa = pa;
		f->npages = (unsigned)npages;
		return f;
	}
	*err = IPC_E_NOMEM;
	return NULL;
}

int frame_map(struct frame *f, struct task *t, uint64_t va, unsigned flags)
{
	if (!ALIGNED(va, PAGE_SIZE))
		return IPC_E_ALIGN;
	uint64_t size = (uint64_t)f->npages * PAGE_SIZE;
	if (va < USER_MAP_BASE || va >= USER_MAP_END || size > USER_MAP_END - va)
		return IPC_E_ADDR;
	if (!t->l1)
		return IPC_E_STATE;
	int free_slot = -1;
	for (int i = 0; i < FRAME_MAX_MAPS; i++) {
		if (f->map[i].task == t)
			return IPC_E_MAPPED;
		if (!f->map[i].task && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return IPC_E_NOMEM;
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		if (arch_lookup(t->l1, va + off, NULL))
			return IPC_E_MAPPED;
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		if (arch_map_page(t->l1, va + off, f->pa + off, flags)) {
			/* No page for a table: never under the pools' limits (task.c). */
			for (uint64_t undo = 0; undo < off; undo += PAGE_SIZE)
				arch_unmap_page(t->l1, t->asid, va + undo);
			return IPC_E_NOMEM;
		}
	}
	f->map[free_slot].task = t;
	f->map[free_slot].va = va;
	return IPC_OK;
}

static void unmap_at(struct frame *f, int i)
{
	struct task *t = f->map[i].task;
	for (unsigned p = 0; p < f->npages; p++)
		arch_unmap_page(t->l1, t->asid, f->map[i].va + p * PAGE_SIZE);
	f->map[i].task = NULL;
	f->map[i].va = 0;
}

int frame_unmap(struct frame *f, struct task *t)
{
	for (int i = 0; i < FRAME_MAX_MAPS; i++) {
		if (f->map[i].task == t) {
			unmap_at(f, i);
			return IPC_OK;
		}
	}
	return IPC_E_NOTMAPPED;
}

void frame_forget_task(struct task *t)
{
	for (unsigned i = 0; i < MAX_FRAMES; i++) {
		struct frame *f = &frame_pool[i];
		if (!f->used)
			continue;
		for (int m = 0; m < FRAME_MAX_MAPS; m++)
			if (f->map[m].task == t)
				unmap_at(f, m);
	}
}

void frame_release(struct frame *f)
{
	for (int m = 0; m < FRAME_MAX_MAPS; m++)
		if (f->map[m].task)
			unmap_at(f, m);
	pmem_free(f->pa, f->npages);
	f->used = false;
}
