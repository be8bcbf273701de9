/*
 * Endpoints: call/reply round trips of every size (registers and IPC
 * buffer) with their content checked, replies that reach only their
 * caller, NOREPLY and WOULDBLOCK, badges, capability transfer with and
 * without the grant right, and a task without capabilities.
 */
#include "harness.h"
#include "tests.h"

#define STOP 0x5709ull

static uint64_t pattern(uint64_t len, uint64_t i) { return (len << 32) ^ (i * 0x9e3779b97f4a7c15ull) ^ i; }
static uint64_t answer(uint64_t w) { return ~w * 3 + 1; }

/* Replies to every call with answer() of each word, same length; checks
 * the badge (arg); ends on a one-word STOP send. */
static void echo_server(uint64_t badge)
{
	struct sysret r = sys_recv(CHILD_SLOT(0));
	for (;;) {
		C_CHECK(r.err == IPC_OK);
		uint64_t len = MSG_LEN(r.v);
		if (len == 1 && r.mr[0] == STOP)
			sys_exit(0);
		C_CHECK(r.badge == badge);
		C_CHECK(!(r.v & (MSG_HAS_CAP | MSG_CAP_LOST)));
		uint64_t m[4] = { 0 }, *buf = ipc_buffer();
		for (uint64_t i = 0; i < len && i < MSG_REG_WORDS; i++)
			m[i] = answer(r.mr[i]);
		for (uint64_t i = MSG_REG_WORDS; i < len; i++)
			buf[i] = answer(buf[i]);
		r = sys_reply_recv(CHILD_SLOT(0), MSG_INFO(len, 0, 0), m);
	}
}

void test_ep_call_sizes(void)
{
	uint64_t ep = t_ep();
	uint64_t client = t_mint(ep, RIGHT_WRITE, 0x77);
	struct child s;
	if (!t_child(&s, echo_server, 0x77, 100, "echo"))
		return;
	t_give(&s, ep, CHILD_SLOT(0), RIGHT_READ, 0);
	t_start(&s);
	const uint64_t sizes[] = { 0, 1, 2, 4, 5, 10, 64, 511, MSG_MAX_WORDS };
	uint64_t *buf = ipc_buffer();
	for (unsigned k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		uint64_t len = sizes[k], m[4] = { 0 };
		for (uint64_t i = 0; i < MSG_MAX_WORDS; i++)
			buf[i] = 0xdead0000 + i;    /* beyond len: must stay */
		for (uint64_t i = 0; i < len; i++) {
			if (i < MSG_REG_WORDS)
				m[i] = pattern(len, i);
			else
				buf[i] = pattern(len, i);
		}
		struct sysret r = sys_call(client, MSG_INFO(len, 0, 0), m);
		T_OK(r.err);
		T_EQ(MSG_LEN(r.v), len);
		T_EQ(r.v & ~0x3ffull, 0);
		unsigned bad = 0;
		for (uint64_t i = 0; i < len; i++) {
			uint64_t got = i < MSG_REG_WORDS ? r.mr[i] : buf[i];
			if (got != answer(pattern(len, i)))
				bad++;
		}
		for (uint64_t i = (len > MSG_REG_WORDS ? len : MSG_REG_WORDS); i < MSG_MAX_WORDS; i++)
			if (buf[i] != 0xdead0000 + i)
				bad++;
		if (bad)
			t_fail(__FILE__, __LINE__, "call of %lu words: %u words wrong", len, bad);
	}
	T_OK(sys_send(ep, MSG_INFO(1, 0, 0), (uint64_t[4]){ STOP }).err);
	t_join_ok(&s, "echo server");
}

/* Answers call k with 1000 + word 0; before answering its second call it
 * waits for the root's go (slot 1). */
static void slow_server(uint64_t arg)
{
	(void)arg;
	struct sysret r = sys_recv(CHILD_SLOT(0));
	for (unsigned k = 0;; k++) {
		C_CHECK(r.err == IPC_OK);
		if (r.mr[0] == STOP)
			sys_exit(0);
		if (k == 1)
			C_CHECK(sys_wait(CHILD_SLOT(1)).err == IPC_OK);
		r = sys_reply_recv(CHILD_SLOT(0), MSG_INFO(1, 0, 0), (uint64_t[4]){ 1000 + r.mr[0] });
	}
}

static void client(uint64_t n)
{
	struct sysret r = sys_call(CHILD_SLOT(0), MSG_INFO(1, 0, 0), (uint64_t[4]){ n });
	C_CHECK(r.err == IPC_OK && MSG_LEN(r.v) == 1);
	C_CHECK(r.mr[0] == 1000 + n);
	sys_exit(0);
}

void test_ep_reply_only_caller(void)
{
	uint64_t ep = t_ep(), go = t_ntfn();
	struct child s, c1, c2;
	if (!t_child(&s, slow_server, 0, 100, "server") || !t_child(&c1, client, 1, 90, "client1") ||
	    !t_child(&c2, client, 2, 90, "client2"))
		return;
	t_give(&s, ep, CHILD_SLOT(0), RIGHT_READ, 0);
	t_give(&s, go, CHILD_SLOT(1), RIGHT_READ, 0);
	t_give(&c1, ep, CHILD_SLOT(0), RIGHT_WRITE, 0);
	t_give(&c2, ep, CHILD_SLOT(0), RIGHT_WRITE, 0);
	t_start(&s);
	t_start(&c1);
	t_start(&c2);
	t_join_ok(&c1, "client 1");     /* got its own reply */
	/* The server holds client 2's call: once every thread above priority
	 * 5 has blocked or ended, client 2 has not ended: it is blocked,
	 * waiting for a reply that went to client 1 only. */
	t_settle(5);
	T_EQ(sys_status(c2.task).v, STATUS(TS_RUNNABLE, 0));
	T_OK(sys_signal(go, 1));
	t_join_ok(&c2, "client 2");
	T_OK(sys_send(ep, MSG_INFO(1, 0, 0), (uint64_t[4]){ STOP }).err);
	t_join_ok(&s, "server");
}

/* Receives a plain send (no caller): its reply_recv has nobody to reply to. */
static void noreply_server(uint64_t arg)
{
	(void)arg;
	struct sysret r = sys_recv(CHILD_SLOT(0));
	C_CHECK(r.err == IPC_OK && r.mr[0] == 2);   /* not the refused nbsend's 1 */
	r = sys_reply_recv(CHILD_SLOT(0), 0, (uint64_t[4]){ 0 });
	C_CHECK(r.err == IPC_E_NOREPLY);
	sys_exit(0);
}

/* Plain reply: answers the caller, then the server is free to end. */
static void reply_server(uint64_t arg)
{
	(void)arg;
	C_CHECK(sys_reply(MSG_INFO(1, 0, 0), (uint64_t[4]){ 9 }) == IPC_E_NOREPLY);   /* no caller yet */
	struct sysret r = sys_recv(CHILD_SLOT(0));
	C_CHECK(r.err == IPC_OK && MSG_LEN(r.v) == 2 && r.mr[0] == 40 && r.mr[1] == 2);
	C_CHECK(sys_reply(MSG_INFO(1, 0, 0), (uint64_t[4]){ r.mr[0] + r.mr[1] }) == IPC_OK);
	C_CHECK(sys_reply(MSG_INFO(1, 0, 0), (uint64_t[4]){ 0 }) == IPC_E_NOREPLY);  /* only once */
	C_CHECK(sys_reply(MSG_INFO(1, 1, 1), (uint64_t[4]){ 0 }) == IPC_E_GRANT);    /* no caps in replies */
	sys_exit(0);
}

void test_ep_reply(void)
{
	uint64_t ep = t_ep();
	struct child s;
	if (!t_child(&s, reply_server, 0, 100, "replier"))
		return;
	t_give(&s, ep, CHILD_SLOT(0), RIGHT_READ, 0);
	t_start(&s);
	struct sysret r = sys_call(ep, MSG_INFO(2, 0, 0), (uint64_t[4]){ 40, 2 });
	T_OK(r.err);
	T_EQ(MSG_LEN(r.v), 1);
	T_EQ(r.mr[0], 42);
	t_join_ok(&s, "replier");
	T_ERR(sys_reply(0, (uint64_t[4]){ 0 }), IPC_E_NOREPLY);   /* the root has no caller */
}

/* A caller whose server receives again without replying wakes with
 * IPC_E_STATE instead of waiting for ever. */
static void abandoned_client(uint64_t arg)
{
	(void)arg;
	struct sysret r = sys_call(CHILD_SLOT(0), MSG_INFO(1, 0, 0), (uint64_t[4]){ 7 });
	C_CHECK(r.err == IPC_E_STATE);
	sys_exit(0);
}

static void plain_sender(uint64_t arg)
{
	(void)arg;
	C_CHECK(sys_send(CHILD_SLOT(0), MSG_INFO(1, 0, 0), (uint64_t[4]){ 8 }).err == IPC_OK);
	sys_exit(0);
}

void test_ep_abandoned_caller(void)
{
	uint64_t ep = t_ep();
	struct child a, b;
	if (!t_child(&a, abandoned_client, 0, 100, "abandoned") || !t_child(&b, plain_sender, 0, 100, "sender"))
		return;
	t_give(&a, ep, CHILD_SLOT(0), RIGHT_WRITE, 0);
	t_give(&b, ep, CHILD_SLOT(0), RIGHT_WRITE, 0);
	t_start(&a);
	struct sysret r = sys_recv(ep);             /* a's call */
	T_OK(r.err);
	T_EQ(r.mr[0], 7);
	t_start(&b);
	r = sys_recv(ep);                           /* abandons a; takes b's send */
	T_OK(r.err);
	T_EQ(r.mr[0], 8);
	T_ERR(sys_reply(0, (uint64_t[4]){ 0 }), IPC_E_NOREPLY);   /* nobody to answer any more */
	t_join_ok(&a, "abandoned client");
	t_join_ok(&b, "plain sender");
}

void test_ep_noreply_wouldblock(void)
{
	uint64_t ep = t_ep();
	T_ERR(sys_nbsend(ep, MSG_INFO(1, 0, 0), (uint64_t[4]){ 1 }).err, IPC_E_WOULDBLOCK);
	struct child s;
	if (!t_child(&s, noreply_server, 0, 100, "noreply"))
		return;
	t_give(&s, ep, CHILD_SLOT(0), RIGHT_READ, 0);
	t_start(&s);
	t_settle(5);   /* the server waits in recv: nbsend now finds it */
	T_OK(sys_nbsend(ep, MSG_INFO(1, 0, 0), (uint64_t[4]){ 2 }).err);
	t_join_ok(&s, "noreply server");
	T_ERR(sys_nbsend(ep, 0, (uint64_t[4]){ 0 }).err, IPC_E_WOULDBLOCK);
}

/* Receives three sends and checks each badge against its word 0. */
static void badge_server(uint64_t arg)
{
	(void)arg;
	for (int k = 0; k < 3; k++) {
		struct sysret r = sys_recv(CHILD_SLOT(0));
		C_CHECK(r.err == IPC_OK);
		uint64_t want = r.mr[0] == 1 ? 0x11 : r.mr[0] == 2 ? 0x22 : 0;
		C_CHECK(r.badge == want);
	}
	sys_exit(0);
}

static void badge_client(uint64_t n)
{
	/* Word 0 says who it is; the badge cannot be chosen by the sender. */
	C_CHECK(sys_send(CHILD_SLOT(0), MSG_INFO(1, 0, 0), (uint64_t[4]){ n }).err == IPC_OK);
	sys_exit(0);
}

void test_ep_badge(void)
{
	uint64_t ep = t_ep();
	struct child s, c1, c2;
	if (!t_child(&s, badge_server, 0, 100, "bserver") || !t_child(&c1, badge_client, 1, 100, "b1") ||
	    !t_child(&c2, badge_client, 2, 100, "b2"))
		return;
	t_give(&s, ep, CHILD_SLOT(0), RIGHT_READ, 0);
	t_give(&c1, ep, CHILD_SLOT(0), RIGHT_WRITE, 0x11);
	t_give(&c2, ep, CHILD_SLOT(0), RIGHT_WRITE, 0x22);
	t_start(&c1);
	t_start(&c2);
	t_start(&s);
	T_OK(sys_send(ep, MSG_INFO(1, 0, 0), (uint64_t[4]){ 3 }).err);   /* unbadged: 0 */
	t_join_ok(&c1, "b1");
	t_join_ok(&c2, "b2");
	t_join_ok(&s, "badge server");
}

/* Receives into slot 5 (or the slot in arg when not 0): a granted
 * notification capability must work there. */
static void grant_receiver(uint64_t arg)
{
	uint64_t rslot = arg ? arg : CHILD_SLOT(5);
	ipc_buffer()[IPCBUF_RECV_SLOT] = rslot;
	struct sysret r = sys_recv(CHILD_SLOT(0));
	C_CHECK(r.err == IPC_OK && MSG_LEN(r.v) == 1 && r.mr[0] == 7);
	if (arg) {   /* an occupied receive slot: the capability is dropped */
		C_CHECK(!(r.v & MSG_HAS_CAP) && (r.v & MSG_CAP_LOST));
		sys_exit(0);
	}
	C_CHECK(r.v & MSG_HAS_CAP);
	C_CHECK(MSG_CAP(r.v) == rslot);
	C_CHECK(sys_signal(rslot, 0x10) == IPC_OK);   /* it works */
	C_CHECK(sys_poll(rslot).err == IPC_E_RIGHTS); /* with the rights it was sent with */
	sys_exit(0);
}

void test_ep_grant(void)
{
	uint64_t ep = t_ep(), n = t_ntfn();
	uint64_t n_w = t_mint(n, RIGHT_WRITE, 0);
	struct child r;
	if (!t_child(&r, grant_receiver, 0, 100, "grantee"))
		return;
	t_give(&r, ep, CHILD_SLOT(0), RIGHT_READ, 0);
	t_start(&r);
	t_settle(5);
	T_OK(sys_send(ep, MSG_INFO(1, n_w, 1), (uint64_t[4]){ 7 }).err);
	t_join_ok(&r, "grantee");
	T_EQ(sys_poll(n).v, 0x10);
	/* A receive slot that is taken: the message arrives, the cap does not. */
	struct child r2;
	if (!t_child(&r2, grant_receiver, TASK_SLOT_THREAD, 100, "grantee2"))
		return;
	t_give(&r2, ep, CHILD_SLOT(0), RIGHT_READ, 0);
	t_start(&r2);
	t_settle(5);
	T_OK(sys_send(ep, MSG_INFO(1, n_w, 1), (uint64_t[4]){ 7 }).err);
	t_join_ok(&r2, "grantee with a full slot");
}

/* Must receive the plain message (word 0 = 9) and no capability. */
static void denied_receiver(uint64_t arg)
{
	(void)arg;
	ipc_buffer()[IPCBUF_RECV_SLOT] = CHILD_SLOT(5);
	struct sysret r = sys_recv(CHILD_SLOT(0));
	C_CHECK(r.err == IPC_OK && r.mr[0] == 9);
	C_CHECK(!(r.v & (MSG_HAS_CAP | MSG_CAP_LOST)));
	C_CHECK(sys_signal(CHILD_SLOT(5), 1) == IPC_E_EMPTY);
	/* It cannot pass capabilities on either: its endpoint cap lacks grant. */
	C_CHECK(sys_nbsend(CHILD_SLOT(1), MSG_INFO(0, TASK_SLOT_SELF, 1), (uint64_t[4]){ 0 }).err == IPC_E_GRANT);
	sys_exit(0);
}

void test_ep_grant_denied(void)
{
	uint64_t ep = t_ep(), n = t_ntfn();
	uint64_t no_grant = t_mint(ep, RIGHT_READ | RIGHT_WRITE, 0);
	struct child r;
	if (!t_child(&r, denied_receiver, 0, 100, "denied"))
		return;
	t_give(&r, ep, CHILD_SLOT(0), RIGHT_READ, 0);
	t_give(&r, ep, CHILD_SLOT(1), RIGHT_WRITE, 0);
	t_start(&r);
	t_settle(5);
	T_ERR(sys_send(no_grant, MSG_INFO(1, n, 1), (uint64_t[4]){ 8 }).err, IPC_E_GRANT);
	T_ERR(sys_call(no_grant, MSG_INFO(1, n, 1), (uint64_t[4]){ 8 }).err, IPC_E_GRANT);
	T_EQ(sys_status(r.task).v, STATUS(TS_RUNNABLE, 0));   /* still waiting, nothing delivered */
	T_OK(sys_send(no_grant, MSG_INFO(1, 0, 0), (uint64_t[4]){ 9 }).err);
	t_join_ok(&r, "receiver");
}

/* Holds only itself and its thread: everything else is refused. */
static void capless(uint64_t root_slots)
{
	const uint64_t z[4] = { 0 };
	for (uint64_t s = CHILD_SLOT(0); s < CSPACE_SLOTS; s++) {
		C_CHECK(sys_signal(s, 1) == IPC_E_EMPTY);
		C_CHECK(sys_wait(s).err == IPC_E_EMPTY);
		C_CHECK(sys_poll(s).err == IPC_E_EMPTY);
		C_CHECK(sys_send(s, 0, z).err == IPC_E_EMPTY);
		C_CHECK(sys_recv(s).err == IPC_E_EMPTY);
		C_CHECK(sys_call(s, 0, z).err == IPC_E_EMPTY);
		C_CHECK(sys_map(s, TASK_SLOT_SELF, USER_MAP_BASE, RIGHT_READ) == IPC_E_EMPTY);
		C_CHECK(sys_create(s, CAP_NTFN, CHILD_SLOT(0), 0) == IPC_E_EMPTY);
		C_CHECK(sys_shutdown(s, 66) == IPC_E_EMPTY);
		C_CHECK(sys_selfcheck(s).err == IPC_E_EMPTY);
	}
	/* Slot numbers where the root holds real objects mean nothing here. */
	C_CHECK(sys_signal(root_slots & 0xff, 1) == IPC_E_EMPTY);
	C_CHECK(sys_shutdown(ROOT_SLOT_CTRL, 66) == IPC_E_TYPE);   /* its own task cap sits in slot 1 */
	C_CHECK(sys_create(TASK_SLOT_SELF, CAP_NTFN, CHILD_SLOT(0), 0) == IPC_E_TYPE);
	C_CHECK(sys_signal(TASK_SLOT_SELF, 1) == IPC_E_TYPE);
	C_CHECK(sys_wait(TASK_SLOT_THREAD).err == IPC_E_TYPE);
	C_CHECK(sys_recv(TASK_SLOT_SELF).err == IPC_E_TYPE);
	C_CHECK(sys_map(TASK_SLOT_SELF, TASK_SLOT_SELF, USER_MAP_BASE, RIGHT_READ) == IPC_E_TYPE);
	sys_exit(0);
}

void test_no_cap_no_access(void)
{
	uint64_t n = t_ntfn();
	struct child c;
	if (!t_child(&c, capless, n, 100, "capless"))
		return;
	t_start(&c);
	t_join_ok(&c, "capless");
	T_EQ(sys_peek(n).v, 0);
}
