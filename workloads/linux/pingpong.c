/* The ping-pong loop, shared by every transport. See pingpong.h. */
#define _GNU_SOURCE
#include "pingpong.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned pp_timeout_s(uint64_t round_trips)
{
	return (unsigned)(60 + round_trips / 100);
}

void pp_emit(const struct wl_args *a, const struct rt_timer *t, const int64_t *samples,
	     size_t n)
{
	char kv[1024];

	if (!rt_frame_kv(a, "rtt", t, 1, kv, sizeof(kv))) {
		stream_error(&rt_out, "the frame header does not fit 1024 bytes");
		return;
	}
	stream_frame(&rt_out, kv, samples, n);
}

/* The pong: receive, echo, then check (off the ping's timed path). */
static int pong(struct rt_pair *pair, void *arg)
{
	struct pp *pp = arg;
	const struct pp_ops *ops = pp->ops;
	uint64_t total = pp->warmup + pp->iterations;
	unsigned char *buf = malloc(pp->size);
	char why[256];

	if (buf == NULL) {
		rt_fail("out of memory");
		return -1;
	}
	if (ops->attach(pp, 1) != 0)
		return -1;
	rt_pair_barrier(pair);
	for (uint64_t i = 0; i < total; i++) {
		bool fault = pp->dbg.fault == MSG_FAULT_REP && pp->dbg.at == i;

		if (ops->recv(pp, 1, buf) != 0)
			return -1;
		if (fault)
			msg_corrupt(buf, pp->size);
		if (!(pp->dbg.fault == MSG_FAULT_DROP && pp->dbg.at == i) &&
		    ops->send(pp, 1, buf) != 0)
			return -1;
		if (fault)
			msg_corrupt(buf, pp->size); /* undo: the pong's own copy was fine */
		if (msg_check(buf, pp->size, pp->seed, i, why, sizeof(why)) != 0) {
			rt_fail("%s: pong received %s", ops->name, why);
			return -1;
		}
	}
	free(buf);
	return 0;
}

/* The ping's check of an echo: equal to what it sent, and that is message i. */
static int check_echo(struct pp *pp, const unsigned char *in, const unsigned char *out,
		      uint64_t i)
{
	char why[256];

	if (memcmp(in, out, pp->size) == 0)
		return 0;
	if (msg_check(in, pp->size, pp->seed, i, why, sizeof(why)) != 0)
		rt_fail("%s: ping received reply %s", pp->ops->name, why);
	else
		rt_fail("%s: reply %llu differs from its request", pp->ops->name,
			(unsigned long long)i);
	return -1;
}

static int ping(struct pp *pp, const struct rt_timer *t, struct rt_perf *perf,
		int64_t *samples)
{
	const struct pp_ops *ops = pp->ops;
	uint64_t total = pp->warmup + pp->iterations;
	unsigned char *out = malloc(pp->size), *in = malloc(pp->size);
	int rc = -1;

	if (out == NULL || in == NULL) {
		rt_fail("out of memory");
		goto done;
	}
	if (ops->attach(pp, 0) != 0)
		goto done;
	rt_pair_barrier(&pp->pair);
	for (uint64_t i = 0; i < total; i++) {
		uint64_t t0, t1;

		msg_fill(out, pp->size, pp->seed,
			 pp->dbg.fault == MSG_FAULT_SEQ && pp->dbg.at == i ? i + 1 : i);
		if (pp->dbg.fault == MSG_FAULT_REQ && pp->dbg.at == i)
			msg_corrupt(out, pp->size);
		memset(in, 0, pp->size);
		if (i == pp->warmup)
			rt_perf_enable(perf);
		t0 = rt_now_start(t);
		if (ops->send(pp, 0, out) != 0 || ops->recv(pp, 0, in) != 0)
			goto done;
		t1 = rt_now_stop(t);
		if (check_echo(pp, in, out, i) != 0)
			goto done;
		if (i >= pp->warmup)
			samples[i - pp->warmup] = rt_timer_ns(t, t0, t1);
	}
	rt_perf_disable(perf);
	rc = 0;
done:
	free(out);
	free(in);
	return rc;
}

int pp_run(const struct wl_args *a, const struct pp_ops *ops)
{
	struct pp pp;
	struct rt_timer t;
	struct rt_perf perf;
	int64_t *samples = NULL;
	char why[256];
	int rc = -1;

	memset(&pp, 0, sizeof(pp));
	for (size_t i = 0; i < sizeof(pp.fd) / sizeof(pp.fd[0]); i++)
		pp.fd[i] = -1;
	pp.tx = pp.rx = -1;
	pp.mq[0] = pp.mq[1] = (mqd_t)-1;
	pp.ops = ops;
	pp.args = a;
	pp.size = (size_t)wl_get(a, "size");
	pp.seed = (uint64_t)wl_get(a, "seed");
	pp.warmup = (uint64_t)wl_get(a, "warmup");
	pp.iterations = (uint64_t)wl_get(a, "iterations");
	if (msg_debug_from_env(&pp.dbg, why, sizeof(why)) != 0) {
		rt_fail("%s", why);
		return -1;
	}
	samples = malloc(pp.iterations * sizeof(*samples));
	if (samples == NULL) {
		rt_fail("out of memory for %llu samples", (unsigned long long)pp.iterations);
		return -1;
	}
	memset(samples, 0, pp.iterations * sizeof(*samples)); /* no page fault later */
	if (rt_timer_init(&t, (enum rt_timer_kind)wl_get(a, "timer")) != 0)
		goto out;
	if (rt_pair_init(&pp.pair, ops->area != NULL ? ops->area(pp.size) : 0,
			 (int)wl_get(a, "placement")) != 0)
		goto out;
	pp.same = pp.pair.same;
	if (ops->setup(&pp) != 0)
		goto out;
	rt_info_host(&pp.pair, &t);
	rt_perf_open(&perf);
	if (rt_pair_start(&pp.pair, pong, &pp, pp_timeout_s(pp.warmup + pp.iterations)) != 0)
		goto out_perf;
	if (ping(&pp, &t, &perf, samples) != 0) {
		rt_pair_abort(&pp.pair);
		goto out_perf;
	}
	if (rt_pair_finish(&pp.pair) != 0)
		goto out_perf;
	pp_emit(a, &t, samples, pp.iterations);
	rc = 0;
out_perf:
	rt_perf_report(&perf);
out:
	if (ops->cleanup != NULL)
		ops->cleanup(&pp);
	rt_pair_free(&pp.pair);
	free(samples);
	return rc;
}
