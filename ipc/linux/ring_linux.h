/*
 * ring_linux.h: the Linux side of the ring library: wakers (futex, eventfd)
 * and the cache-line ping-pong that measures the cross-core floor.
 *
 * Rules
 *  - A futex waker's word must live in memory shared by both sides (use
 *    ring_word() of the ring's region: it is there for this).  The futex is
 *    not FUTEX_PRIVATE, so it works across processes sharing a mapping.
 *  - An eventfd waker needs one eventfd per direction, created before fork
 *    (or passed over a socket); both sides use the same descriptor.
 *  - Both wakers are coalescing notifications with the contract of
 *    struct ring_waker (ring.h).
 */
#ifndef IPC_RING_LINUX_H
#define IPC_RING_LINUX_H

#include <stdint.h>

#include "../ring.h"

/* A waker over a futex word (0 = idle, 1 = pending). */
void ring_waker_futex(struct ring_waker *w, _Atomic uint32_t *word);
/* A waker over an eventfd (non-semaphore: reads clear the count). */
void ring_waker_eventfd(struct ring_waker *w, int efd);
/* A new eventfd for ring_waker_eventfd, or -1 (errno set). */
int ring_eventfd_open(void);

/*
 * The cross-core floor: one cache line handed back and forth.
 * `line` is a 64-bit word alone on its cache line, in memory both sides
 * share (threads, or processes with a shared mapping), zero at the start.
 * ping() makes `rounds` round trips (a store, then a wait for the answer);
 * pong() answers `rounds` of them.  Neither keeps state between calls, so
 * a runner may call ping(line, 1) once per timed sample while the other
 * side runs pong(line, total).
 */
void ipc_cacheline_ping(_Atomic uint64_t *line, uint64_t rounds);
void ipc_cacheline_pong(_Atomic uint64_t *line, uint64_t rounds);

/* Pin the calling thread to one CPU: 0, or -1 (errno set). */
int ipc_pin_cpu(int cpu);
/* Monotonic clock in nanoseconds. */
uint64_t ipc_now_ns(void);

#endif /* IPC_RING_LINUX_H */
