/*
 * The in-QEMU test suite's harness: the test table, failure reporting,
 * the root's slot and address allocators, and helpers to make child
 * tasks, share frames with them, and wait for their end.
 *
 * Rules:
 * - Tests run in the root task (priority ROOT_PRIO), one after another.
 *   Every capability a test takes through t_slot() is deleted after it
 *   (t_cleanup), and every child must end, by itself (exit or fault) or
 *   stopped by the test (SYS_STOP): a child that blocks for ever keeps
 *   running with its pool entries (and a test that joins it hangs; the
 *   suite then dies by the host's timeout).
 * - A child's private memory is its own copy of the user image's data:
 *   it reports through its exit code (0: all checks held; otherwise the
 *   line of the first failed C_CHECK) or through a shared frame.
 * - Checks count progress, never cycles.
 */
#ifndef TEST_HARNESS_H
#define TEST_HARNESS_H

#include "ulib.h"

struct test {
	const char *name;
	void (*fn)(void);
};

/* Record a failure (the first one of a test is reported) and go on. */
void t_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool t_failed(void);

#define T_CHECK(c) \
	do { \
		if (!(c)) \
			t_fail(__FILE__, __LINE__, "%s", #c); \
	} while (0)
#define T_EQ(a, b) \
	do { \
		int64_t __a = (int64_t)(a), __b = (int64_t)(b); \
		if (__a != __b) \
			t_fail(__FILE__, __LINE__, "%s == %s (%ld != %ld)", #a, #b, __a, __b); \
	} while (0)
/* A syscall's status: IPC_OK or an error code, named in the report. */
#define T_ERR(call, want) \
	do { \
		int64_t __e = (int64_t)(call), __w = (int64_t)(want); \
		if (__e != __w) \
			t_fail(__FILE__, __LINE__, "%s gave %ld (%s), want %s", #call, __e, uerrname(__e), \
			       uerrname(__w)); \
	} while (0)
#define T_OK(call) T_ERR(call, IPC_OK)

/* In a child: exit with the failing line. */
#define C_CHECK(c) \
	do { \
		if (!(c)) \
			sys_exit(__LINE__); \
	} while (0)

/* Root slots: a free one (taken for the current test, deleted after it). */
uint64_t t_slot(void);
void t_slot_free(uint64_t slot);     /* delete it now */
/* New objects in fresh root slots. */
uint64_t t_ntfn(void);
uint64_t t_ep(void);
uint64_t t_frame(unsigned npages);
/* A copy of `src` into the root's own cspace with fewer rights / a badge. */
uint64_t t_mint(uint64_t src, unsigned rights, uint64_t badge);
/* Map a frame into the root; returns its address (never reused). */
void *t_map_root(uint64_t frame, unsigned npages, unsigned rights);

/* Child tasks. */
struct child {
	uint64_t task;   /* root slot of its task capability */
	uint64_t end;    /* root slot of the notification signalled at its end */
};
#define CHILD_SLOT(i)   (3 + (i))        /* where give() puts capabilities in a child */
#define CHILD_MAP_VA    USER_MAP_BASE    /* where children map their shared frame */

/* Create (not start) a child at `prio` running entry(arg). */
bool t_child(struct child *c, void (*entry)(uint64_t), uint64_t arg, unsigned prio, const char *name);
/* Copy a root capability into the child's slot `dest`. */
void t_give(const struct child *c, uint64_t src, uint64_t dest, unsigned rights, uint64_t badge);
void t_map_child(const struct child *c, uint64_t frame, uint64_t va, unsigned rights);
void t_start(const struct child *c);
/* Wait for its end; returns SYS_STATUS's word (state | code << 8). */
uint64_t t_join(const struct child *c);
/* Join and check it exited with code 0 (else report the child's line). */
void t_join_ok(const struct child *c, const char *what);
/* Create and start a child, then wait until every thread of priority
 * above `prio` has blocked or ended: a child at `prio` that exits at once
 * can only run then. */
void t_settle(unsigned prio);
/* The same on another CPU: every thread of that CPU above `prio` has
 * blocked or ended once the probe placed there has run. */
void t_settle_on(unsigned cpu, unsigned prio);

/* CPUs.  Children run on the root's CPU (0) unless placed. */
unsigned t_ncpus(void);
/* False (and the test is reported skipped) when there are fewer than n. */
bool t_need_cpus(unsigned n);
/* Place a child's first thread (before t_start). */
void t_on_cpu(const struct child *c, unsigned cpu);

#define STATUS(state, code) ((uint64_t)(state) | (uint64_t)(code) << 8)

#endif
