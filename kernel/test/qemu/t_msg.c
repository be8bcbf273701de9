/*
 * Messages on the general path, and reply routing.
 *
 * The Call/ReplyRecv fast path takes the common case (kernel/fastpath.c);
 * these tests make it step aside so that the general path (ep.c) carries
 * the words, and check every word of full-page messages, the last IPC
 * buffer word (index MSG_MAX_WORDS - 1) included:
 * - callers queued on an endpoint before its server receives (the
 *   message is taken from the blocked sender), the server answering each
 *   with ReplyRecv while others are still queued, and the last with
 *   SYS_REPLY;
 * - a Send to a waiting receiver (Send never takes the fast path);
 * - a Call while a thread of higher priority than the receiver is ready;
 * - a ReplyRecv while a thread of higher priority than the caller is ready.
 * Routing: several callers queued on one endpoint, with distinct lengths,
 * payloads and badges, each must get its own answer; and two server
 * threads holding a caller each, answering in the reverse order.
 *
 * A child that finds a wrong word exits with WRONG_WORD | its index.
 */
#include "harness.h"
#include "tests.h"

#define WRONG_WORD  0x10000ull
#define WRONG_LEN   0x20000ull
#define STOP_WORD   0x5709ull

static uint64_t mix(uint64_t salt, uint64_t i)
{
	return (salt + 1) * 0x9e3779b97f4a7c15ull ^ (i + 1) * 0xc2b2ae3d27d4eb4full;
}

/* Message word i of a message with this salt; word 0 is the salt itself,
 * so that a receiver knows whose message it holds. */
static uint64_t msg_word(uint64_t salt, uint64_t i) { return i == 0 ? salt : mix(salt, i); }

/* The words a server answers with: a function of what it received. */
static uint64_t answer(uint64_t w) { return ~w * 5 + 3; }

/* Fill this thread's message: registers in m[], the rest in the IPC buffer. */
static void put_msg(uint64_t m[MSG_REG_WORDS], uint64_t len, uint64_t salt)
{
	uint64_t *buf = ipc_buffer();
	for (uint64_t i = 0; i < MSG_MAX_WORDS; i++) {
		uint64_t w = i < len ? msg_word(salt, i) : 0;
		if (i < MSG_REG_WORDS)
			m[i] = w;
		else if (i < len)
			buf[i] = w;
	}
}

/* What a received word must not be equal to by chance: the buffer is
 * filled with it before receiving, so a word the kernel fails to copy
 * stays wrong. */
static void poison(void)
{
	uint64_t *buf = ipc_buffer();
	for (uint64_t i = MSG_REG_WORDS; i < MSG_MAX_WORDS; i++)
		buf[i] = 0xdeadbeef00000000ull | i;
}

static uint64_t got_word(const struct sysret *r, uint64_t i)
{
	return i < MSG_REG_WORDS ? r->mr[i] : ipc_buffer()[i];
}

/* 0 when the received message is len words of want(i); else a child's
 * exit code naming the first wrong word (or the length). */
static uint64_t check_msg(const struct sysret *r, uint64_t len, uint64_t salt, bool answered)
{
	if (r->err != IPC_OK || MSG_LEN(r->v) != len || (r->v & ~0x3ffull))
		return WRONG_LEN | MSG_LEN(r->v);
	for (uint64_t i = 0; i < len; i++) {
		uint64_t want = answered ? answer(msg_word(salt, i)) : msg_word(salt, i);
		if (got_word(r, i) != want)
			return WRONG_WORD | i;
	}
	return 0;
}

#define C_MSG(r, len, salt, answered) \
	do { \
		uint64_t __bad = check_msg(&(r), (len), (salt), (answered)); \
		if (__bad) \
			sys_exit((int64_t)__bad); \
	} while (0)

/* The answer to the message just received, in m[] and the IPC buffer. */
static void put_answer(const struct sysret *r, uint64_t m[MSG_REG_WORDS])
{
	uint64_t len = MSG_LEN(r->v), *buf = ipc_buffer();
	for (uint64_t i = 0; i < MSG_REG_WORDS; i++)
		m[i] = i < len ? answer(r->mr[i]) : 0;
	for (uint64_t i = MSG_REG_WORDS; i < len; i++)
		buf[i] = answer(buf[i]);
}

/* A child's end: a wrong word reported by its index. */
static void report_end(uint64_t st, const char *what)
{
	uint64_t code = st >> 8;
	if (st == STATUS(TS_EXITED, 0))
		return;
	if ((st & 0xff) == TS_EXITED && (code & WRONG_WORD))
		t_fail(__FILE__, __LINE__, "%s: message word %lu wrong", what, code & 0xffff);
	else if ((st & 0xff) == TS_EXITED && (code & WRONG_LEN))
		t_fail(__FILE__, __LINE__, "%s: message of %lu words, or an error", what, code & 0xffff);
	else
		t_fail(__FILE__, __LINE__, "%s ended with state %lu code %lu (a child's failing line)", what,
		       st & 0xff, code);
}

static void join_msg(const struct child *c, const char *what) { report_end(t_join(c), what); }

/* ---- routing --------------------------------------------------------- */

#define NCALLERS 4
/* Served in this order: full page and one word short of it at both ends,
 * so that ReplyRecv (the first three) and SYS_REPLY (the last) carry long
 * answers on the general path. */
static const uint64_t route_len[NCALLERS] = { MSG_MAX_WORDS, 5, 1, MSG_MAX_WORDS - 1 };
#define ROUTE_BADGE(id) (0xb0 + (id))

/* One Call; the answer must be to its own words, of its own length. */
static void route_caller(uint64_t id)
{
	uint64_t m[MSG_REG_WORDS];
	put_msg(m, route_len[id], id);
	struct sysret r = sys_call(CHILD_SLOT(0), MSG_INFO(route_len[id], 0, 0), m);
	C_MSG(r, route_len[id], id, true);
	sys_exit(0);
}

/* Check a received call: word 0 names the caller, the badge must be that
 * caller's, every word its own; then answer it. */
static void route_take(const struct sysret *r, uint64_t m[MSG_REG_WORDS])
{
	C_CHECK(r->err == IPC_OK && MSG_LEN(r->v) >= 1 && r->mr[0] < NCALLERS);
	uint64_t id = r->mr[0];
	C_CHECK(r->badge == ROUTE_BADGE(id));
	uint64_t bad = check_msg(r, route_len[id], id, false);
	if (bad)
		sys_exit((int64_t)bad);
	put_answer(r, m);
}

/* Serves `n` calls: ReplyRecv while callers are still queued (the general
 * path: the fast path wants no sender queued), SYS_REPLY to the last. */
static void route_server(uint64_t n)
{
	poison();
	struct sysret r = sys_recv(CHILD_SLOT(0));
	for (uint64_t k = 1;; k++) {
		uint64_t m[MSG_REG_WORDS];
		route_take(&r, m);
		uint64_t info = MSG_INFO(MSG_LEN(r.v), 0, 0);
		if (k == n) {
			C_CHECK(sys_reply(info, m) == IPC_OK);
			sys_exit(0);
		}
		r = sys_reply_recv(CHILD_SLOT(0), info, m);
	}
}

static bool make_callers(struct child *c, unsigned n, uint64_t ep)
{
	for (unsigned k = 0; k < n; k++) {
		if (!t_child(&c[k], route_caller, k, 100, "caller"))
			return false;
		t_give(&c[k], ep, CHILD_SLOT(0), RIGHT_WRITE, ROUTE_BADGE(k));
	}
	for (unsigned k = 0; k < n; k++)
		t_start(&c[k]);
	t_settle(60);   /* every caller is queued on the endpoint, in this order */
	return true;
}

/* The server first: if it gave up, callers still queued would wait for
 * ever, so they are stopped (and reported) rather than joined. */
static void join_routing(const struct child *s, const struct child *c, unsigned n)
{
	uint64_t st = t_join(s);
	if (st != STATUS(TS_EXITED, 0)) {
		report_end(st, "server");
		for (unsigned k = 0; k < n; k++)
			sys_stop(c[k].task);
	}
	for (unsigned k = 0; k < n; k++)
		join_msg(&c[k], "caller");
}

void test_ep_routing_queued(void)
{
	uint64_t ep = t_ep();
	struct child c[NCALLERS], s;
	if (!t_child(&s, route_server, NCALLERS, 50, "server"))
		return;
	t_give(&s, ep, CHILD_SLOT(0), RIGHT_READ, 0);
	if (!make_callers(c, NCALLERS, ep))
		return;
	t_start(&s);
	join_routing(&s, c, NCALLERS);
}

/* Two threads of one server each take a call, and answer in the reverse
 * order: the second thread first, then (told by a notification) the first. */
static void route_first(uint64_t arg)
{
	(void)arg;
	poison();
	uint64_t m[MSG_REG_WORDS];
	struct sysret r = sys_recv(CHILD_SLOT(0));
	route_take(&r, m);
	C_CHECK(sys_wait(CHILD_SLOT(1)).err == IPC_OK);   /* the second has answered */
	C_CHECK(sys_reply(MSG_INFO(MSG_LEN(r.v), 0, 0), m) == IPC_OK);
	sys_exit(0);
}

static void route_second(uint64_t arg)
{
	(void)arg;
	poison();
	uint64_t m[MSG_REG_WORDS];
	struct sysret r = sys_recv(CHILD_SLOT(0));
	route_take(&r, m);
	C_CHECK(sys_reply(MSG_INFO(MSG_LEN(r.v), 0, 0), m) == IPC_OK);
	C_CHECK(sys_signal(CHILD_SLOT(2), 1) == IPC_OK);
	sys_exit(0);
}

void test_ep_routing_reverse(void)
{
	uint64_t ep = t_ep(), n = t_ntfn();
	struct child c[2], s;
	if (!t_child(&s, route_first, 0, 50, "server"))
		return;
	t_give(&s, ep, CHILD_SLOT(0), RIGHT_READ, 0);
	t_give(&s, n, CHILD_SLOT(1), RIGHT_READ, 0);
	t_give(&s, n, CHILD_SLOT(2), RIGHT_WRITE, 0);
	uint64_t th = t_slot();
	T_OK(sys_thread_create(s.task, th, route_second, 0, 50));
	if (!make_callers(c, 2, ep))
		return;
	t_start(&s);            /* the first thread takes caller 0 and waits */
	T_OK(sys_start(th));    /* then the second takes caller 1 */
	join_routing(&s, c, 2);
}

/* ---- long messages on the general path --------------------------------- */

#define REQ_SALT  0x51
#define REP_SALT  0x52

/* A receiver that checks one full-page message and exits. */
static void long_receiver(uint64_t arg)
{
	(void)arg;
	poison();
	struct sysret r = sys_recv(CHILD_SLOT(0));
	C_MSG(r, MSG_MAX_WORDS, REQ_SALT, false);
	sys_exit(0);
}

/* Send (the general path only) to a receiver already waiting. */
static void long_send(void)
{
	uint64_t ep = t_ep();
	struct child r;
	if (!t_child(&r, long_receiver, 0, 50, "receiver"))
		return;
	t_give(&r, ep, CHILD_SLOT(0), RIGHT_READ, 0);
	t_start(&r);
	t_settle(40);           /* it waits in recv */
	uint64_t m[MSG_REG_WORDS];
	put_msg(m, MSG_MAX_WORDS, REQ_SALT);
	T_OK(sys_send(ep, MSG_INFO(MSG_MAX_WORDS, 0, 0), m).err);
	join_msg(&r, "receiver of a Send");
}

#define SIGNAL_FIRST    1ull   /* make the other thread ready before the IPC */
#define BY_REPLY_RECV   2ull   /* the server answers with ReplyRecv (else SYS_REPLY) */

/* The side that did not make x ready runs only after x has: x outranks it
 * (x signals CHILD_SLOT(2) when it runs; this side polls it). */
static void check_ready_ran_first(uint64_t how)
{
	if (!(how & SIGNAL_FIRST))
		C_CHECK(sys_poll(CHILD_SLOT(2)).v == 1);
}

/* Checks a full-page call, answers it with a full page. */
static void long_server(uint64_t how)
{
	poison();
	struct sysret r = sys_recv(CHILD_SLOT(0));
	check_ready_ran_first(how);
	C_MSG(r, MSG_MAX_WORDS, REQ_SALT, false);
	uint64_t m[MSG_REG_WORDS];
	put_msg(m, MSG_MAX_WORDS, REP_SALT);
	if (how & SIGNAL_FIRST)
		C_CHECK(sys_signal(CHILD_SLOT(1), 1) == IPC_OK);
	if (how & BY_REPLY_RECV) {
		r = sys_reply_recv(CHILD_SLOT(0), MSG_INFO(MSG_MAX_WORDS, 0, 0), m);
		C_CHECK(r.err == IPC_OK && MSG_LEN(r.v) == 1 && r.mr[0] == STOP_WORD);
	} else {
		C_CHECK(sys_reply(MSG_INFO(MSG_MAX_WORDS, 0, 0), m) == IPC_OK);
	}
	sys_exit(0);
}

static void long_caller(uint64_t how)
{
	uint64_t m[MSG_REG_WORDS];
	put_msg(m, MSG_MAX_WORDS, REQ_SALT);
	if (how & SIGNAL_FIRST)
		C_CHECK(sys_signal(CHILD_SLOT(1), 1) == IPC_OK);
	struct sysret r = sys_call(CHILD_SLOT(0), MSG_INFO(MSG_MAX_WORDS, 0, 0), m);
	check_ready_ran_first(how);
	C_MSG(r, MSG_MAX_WORDS, REP_SALT, false);
	sys_exit(0);
}

/* Made ready by the caller or the server; runs when they block, before
 * the lower of the two (it says so on CHILD_SLOT(1)). */
static void ready_one(uint64_t arg)
{
	(void)arg;
	sys_wait(CHILD_SLOT(0));
	sys_signal(CHILD_SLOT(1), 1);
	sys_exit(0);
}

/* A server at sprio waiting, a caller at cprio, and a thread at xprio
 * that the caller (or the server) makes ready just before its Call (or
 * ReplyRecv): it outranks the other side, so the fast path steps aside,
 * and the other side must run only after it. */
static void long_ready(unsigned sprio, unsigned cprio, unsigned xprio, uint64_t caller_how,
                       uint64_t server_how)
{
	uint64_t ep = t_ep(), n = t_ntfn(), ran = t_ntfn();
	struct child s, c, x;
	if (!t_child(&s, long_server, server_how, sprio, "server") ||
	    !t_child(&c, long_caller, caller_how, cprio, "caller") ||
	    !t_child(&x, ready_one, 0, xprio, "ready"))
		return;
	t_give(&s, ep, CHILD_SLOT(0), RIGHT_READ, 0);
	t_give(&s, n, CHILD_SLOT(1), RIGHT_WRITE, 0);
	t_give(&c, ep, CHILD_SLOT(0), RIGHT_WRITE, 0);
	t_give(&c, n, CHILD_SLOT(1), RIGHT_WRITE, 0);
	t_give(&x, n, CHILD_SLOT(0), RIGHT_READ, 0);
	t_give(&x, ran, CHILD_SLOT(1), RIGHT_WRITE, 0);
	t_give(&s, ran, CHILD_SLOT(2), RIGHT_READ, 0);
	t_give(&c, ran, CHILD_SLOT(2), RIGHT_READ, 0);
	t_start(&s);
	t_start(&x);
	t_settle(10);           /* the server waits in recv, x on n */
	t_start(&c);
	join_msg(&c, "caller");
	if (server_how & BY_REPLY_RECV)
		T_OK(sys_send(ep, MSG_INFO(1, 0, 0), (uint64_t[4]){ STOP_WORD }).err);
	join_msg(&s, "server");
	join_msg(&x, "ready thread");
}

/* (Callers queued before the server receives, whose requests are taken
 * from blocked senders and answered by ReplyRecv and SYS_REPLY, are
 * test_ep_routing_queued's: full-page messages among them.) */
void test_ep_long_slow(void)
{
	long_send();
	if (t_failed())
		return;
	/* Call: the caller (100) readies x (80), which outranks the waiting
	 * server (50). */
	long_ready(50, 100, 80, SIGNAL_FIRST, 0);
	if (t_failed())
		return;
	/* ReplyRecv: the server (60) readies x (45), which outranks the
	 * caller (30). */
	long_ready(60, 30, 45, 0, SIGNAL_FIRST | BY_REPLY_RECV);
}
