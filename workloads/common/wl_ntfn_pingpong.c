/*
 * ntfn_pingpong: a round trip of notifications between two address spaces:
 * the root signals notification 0 and waits on 1, the task waits on 0 and
 * signals 1.  virt: ipclab notifications (SYS_SIGNAL, SYS_WAIT), the task
 * at the root's priority; Linux: the runtime's waker (`waker`: a futex
 * word or an eventfd each way).  A sample is one round trip, signal to
 * return from the wait.  Notifications carry no data, so each side
 * checks the other's count in the shared region: a lost, doubled or early
 * wake-up (the count not the one expected) fails the run.
 */
#include "wl_rt.h"
#include "wl_shared.h"

struct nctl {
	volatile uint64_t ping;   /* round trips the root began */
	uint64_t pad[7];          /* each count on its own cache line */
	volatile uint64_t pong;   /* round trips the task answered */
	uint64_t n;
};

static void pong(void *shared, unsigned id)
{
	struct nctl *c = shared;
	(void)id;
	for (uint64_t i = 0; i < c->n; i++) {
		wl_rt_wait(0);
		if (c->ping != i + 1) {
			wl_rt_fail("ntfn_pingpong: woken for round trip %lu, the root began %lu",
			           (unsigned long)(i + 1), (unsigned long)c->ping);
			c->pong = ~0ull;
			wl_rt_signal(1);
			return;
		}
		c->pong = i + 1;
		wl_rt_signal(1);
	}
}

static int run(const struct wl_args *a)
{
	if (wl_rt_begin(a, WL_RT_READS))
		return 1;
	uint64_t n = (uint64_t)wl_get(a, "iterations"), w = (uint64_t)wl_get(a, "warmup");
	int64_t *s = wl_rt_samples(n);
	struct nctl *c = wl_rt_shared(sizeof *c);
	if (!s || !c)
		return 1;
	c->n = n + w;
	if (wl_rt_ntfns(2) || wl_rt_spawn(pong, 1, WL_RT_PEER, 0, "pong") || wl_rt_start())
		return 1;
	for (uint64_t i = 0; i < n + w; i++) {
		c->ping = i + 1;
		uint64_t t0 = wl_rt_count_start();
		wl_rt_signal(0);
		wl_rt_wait(1);
		uint64_t t1 = wl_rt_count_stop();
		if (c->pong == ~0ull)   /* the task failed and has ended: its cause */
			return wl_rt_finish() ? 1 : wl_rt_fail("ntfn_pingpong: the task failed");
		if (c->pong != i + 1)
			return wl_rt_fail("ntfn_pingpong: round trip %lu woke the root with the task at %lu",
			                  (unsigned long)(i + 1), (unsigned long)c->pong);
		if (i >= w)
			s[i - w] = wl_rt_sample(t0, t1);
	}
	if (wl_rt_finish())
		return 1;
	return wl_rt_frame(a, "rtt", 1, s, n);
}

static const struct wl_param params[] = {
	WL_RT_PARAMS(1000, 100, 1)
	WL_RT_WAKER_PARAMS
};

const struct wl_desc wl_ntfn_pingpong = {
	.name = "ntfn_pingpong", .summary = "a round trip of notifications between two address spaces",
	.params = params, .nparams = sizeof params / sizeof params[0], .run = run,
};
