/*
 * Frames: runs of physical pages that tasks map into their address spaces.
 *
 * Rules:
 * - A frame is N contiguous pages, zeroed when created.
 * - It may be mapped into several tasks (shared memory), at most once per
 *   task, at a page-aligned address in [USER_MAP_BASE, USER_MAP_END),
 *   over no existing mapping, readable, and writable only if the
 *   capability has the write right.  Never executable.
 * - Its pages are freed when its last capability goes and it is unmapped
 *   everywhere (unmapping happens then, at the latest).
 * Locking: under the kernel lock (klock.h).  An unmapping reaches every
 * CPU (broadcast TLB invalidation) before the pages can be reused.
 */
#ifndef FRAME_H
#define FRAME_H

#include "kernel.h"

#define FRAME_MAX_PAGES FRAME_PAGES_MAX
#define FRAME_MAX_MAPS  FRAME_MAPS_MAX

struct task;

struct frame {
	bool used;
	unsigned refs;
	uint64_t pa;
	unsigned npages;
	struct { struct task *task; uint64_t va; } map[FRAME_MAX_MAPS];
};

extern struct frame frame_pool[];
extern const unsigned frame_pool_size;

struct frame *frame_alloc(uint64_t npages, int *err);
void frame_release(struct frame *f);
int frame_map(struct frame *f, struct task *t, uint64_t va, unsigned vmflags);
int frame_unmap(struct frame *f, struct task *t);
void frame_forget_task(struct task *t);   /* t's address space is going away */

#endif
