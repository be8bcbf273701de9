/*
 * Message contents for the ping-pong workloads, and their checker.
 *
 * Message `seq` of a run with seed `seed` is size bytes: bytes 0..7 the
 * sequence number (little-endian, cut short when size < 8), then 8-byte words
 * derived from (seed, seq, word index). Every byte depends on seq, so a
 * message that arrives out of order, twice, or not at all fails the check of
 * the next one, and a flipped byte fails its own.
 */
#ifndef IPCLAB_LINUX_MSG_H
#define IPCLAB_LINUX_MSG_H

#include <stddef.h>
#include <stdint.h>

void msg_fill(unsigned char *buf, size_t size, uint64_t seed, uint64_t seq);

/* 0 when buf is message `seq`; else -1 and a message naming the first
 * difference (out of order, or which byte). */
int msg_check(const unsigned char *buf, size_t size, uint64_t seed, uint64_t seq,
	      char *err, size_t errlen);

/*
 * Deliberate faults, to prove the checks can fail: IPCLAB_DEBUG_CORRUPT in the
 * environment, `req:N` (the ping corrupts request N: the pong must notice),
 * `rep:N` (the pong corrupts reply N: the ping must notice) or `seq:N` (the
 * ping sends message N+1 in place of N: out of order) or `drop:N` (the pong
 * never answers request N: the run must end by its watchdog, which
 * IPCLAB_WATCHDOG_S may shorten). N counts from 0, warm-up included. Not a
 * parameter, so it never reaches a result's params.
 */
enum msg_fault { MSG_FAULT_NONE, MSG_FAULT_REQ, MSG_FAULT_REP, MSG_FAULT_SEQ, MSG_FAULT_DROP };
struct msg_debug {
	enum msg_fault fault;
	uint64_t at;
};
/* Reads the environment; -1 and a message when the variable is malformed. */
int msg_debug_from_env(struct msg_debug *d, char *err, size_t errlen);
/* Flip one byte (the last one) of a message. */
void msg_corrupt(unsigned char *buf, size_t size);

#endif
