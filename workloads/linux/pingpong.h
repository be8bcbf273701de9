/*
 * Ping-pong round trips between two processes over one IPC mechanism.
 *
 * A mechanism is a transport: two channels, request (ping -> pong) and
 * reply (pong -> ping), each carrying whole messages of `size` bytes. The
 * ping fills message i (msg.h), times send + receive of the echo, and checks
 * that the echo equals what it sent; the pong receives, echoes, then checks
 * the message against msg_check (after sending, so the check is off the
 * timed path). Every message's content and order is thus checked twice.
 *
 * Rules for a transport:
 *  - setup() runs in the parent before fork and may only create shared
 *    things (descriptors, the shared area's contents); attach() runs on each
 *    side after fork and keeps only that side's ends.
 *  - send/recv move exactly `size` bytes as one message and return 0, or
 *    call rt_fail() and return -1. A short or oversized message is an error.
 *  - Channel c is sent on by side c and received on by side 1 - c.
 */
#ifndef IPCLAB_LINUX_PINGPONG_H
#define IPCLAB_LINUX_PINGPONG_H

#include <mqueue.h>
#include <stddef.h>
#include <stdint.h>

#include "../../ipc/ring.h"
#include "msg.h"
#include "rt.h"

struct pp;

struct pp_ops {
	const char *name;
	size_t (*area)(size_t size);           /* shared bytes needed (may be NULL) */
	int (*setup)(struct pp *pp);
	int (*attach)(struct pp *pp, int side);
	int (*send)(struct pp *pp, int side, const unsigned char *msg);
	int (*recv)(struct pp *pp, int side, unsigned char *msg);
	void (*cleanup)(struct pp *pp);        /* parent, at the end (may be NULL) */
};

struct pp {
	const struct pp_ops *ops;
	const struct wl_args *args;
	struct rt_pair pair;
	size_t size;
	uint64_t seed, warmup, iterations;
	struct msg_debug dbg;
	bool same;               /* both sides on one CPU: spinning yields */

	/* transport state (which fields are used depends on the transport) */
	int fd[8];
	int tx, rx;              /* this side's descriptors */
	mqd_t mq[2];
	char dir[64];
	char path[2][96];
	unsigned char *buf[2];   /* message buffers in the shared area */
	_Atomic uint32_t *word[2];
	uint32_t sent, received; /* this side's message counts */
};

extern const struct pp_ops pp_pipe, pp_fifo, pp_unix_stream, pp_unix_dgram,
	pp_eventfd, pp_futex, pp_mq;
/* The benchmark's reference queue, one each way, and two rings of ipc/
 * through their 8-byte inline paths (refq.c). */
extern const struct pp_ops pp_refq, pp_ring64;

/* Run one ping-pong workload and print its frame; 0 or -1 (rt_fail). */
int pp_run(const struct wl_args *a, const struct pp_ops *ops);

/* Run the cache-line floor (cacheline.c). */
int cacheline_run(const struct wl_args *a);

/* Run ring_throughput: one ring, producer to consumer (throughput.c). */
int ringtp_run(const struct wl_args *a);

/* Run ref_throughput: ring_throughput on the reference queue (refq.c). */
int refq_throughput_run(const struct wl_args *a);

/* Shared by every Linux workload: print the rtt frame of n samples. */
void pp_emit(const struct wl_args *a, const struct rt_timer *t, const int64_t *samples,
	     size_t n);

/* Watchdog budget of a run: 60 s plus 10 ms a round trip. Generous on
 * purpose: on a loaded 2-CPU VM a legitimate run of 1100 cross-core round
 * trips once took over 11 s (each wake-up waits for a busy CPU). */
unsigned pp_timeout_s(uint64_t round_trips);

#endif
