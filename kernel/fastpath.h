/*
 * The fast paths of Call and ReplyRecv (fastpath.c), seL4's way: a list of
 * named guards for the common case, then a direct switch; when any guard
 * fails, the general path does the whole work (syscall.c checks the
 * message info, ep.c the rest), so the fast path only has to be right
 * where it applies, never complete.
 *
 * They are the syscall table's handlers of SYS_CALL and SYS_REPLY_RECV
 * (as seL4 enters its fast path before the generic dispatch): they look
 * the endpoint capability up themselves (cap_lookup, the same checks in
 * the same order as every handler), so that the common case is one frame.
 * Split into a decoding handler in syscall.c and a call here, Call cost 11
 * instructions more and ReplyRecv 5 (measured).
 *
 * Rules:
 * - Results are exactly those of the general path: the same errors, the
 *   same registers and buffer words delivered, the same states, the same
 *   thread run next.
 * - Every guard is checked before anything changes: a failed guard leaves
 *   nothing for the general path to undo.
 */
#ifndef FASTPATH_H
#define FASTPATH_H

#include "cap.h"

uint64_t fastpath_call(uint64_t slot, uint64_t info, uint64_t m0, uint64_t m1, uint64_t m2,
                       uint64_t m3);
uint64_t fastpath_reply_recv(uint64_t slot, uint64_t info, uint64_t m0, uint64_t m1, uint64_t m2,
                             uint64_t m3);

/* The general paths the fast paths fall back to (syscall.c): the message
 * info checked, then ep_call / ep_reply_recv.  c is the endpoint
 * capability, looked up with the right each needs.  The message comes in
 * the registers it arrived in (x1..x5), c last (x6) and the current thread
 * first (x0, where the fast path's switch wants it; unused): so the fast
 * path hands over without moving them. */
uint64_t syscall_call_general(struct thread *self, uint64_t info, uint64_t m0, uint64_t m1,
                              uint64_t m2, uint64_t m3, const struct cap *c);
uint64_t syscall_reply_recv_general(struct thread *self, uint64_t info, uint64_t m0, uint64_t m1,
                                    uint64_t m2, uint64_t m3, const struct cap *c);

#endif
