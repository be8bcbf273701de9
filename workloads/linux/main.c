/*
 * ipclab-linux: the workloads as Linux processes.
 *
 *   ipclab-linux workload=pipe size=64 iterations=1000 placement=cross
 *   ipclab-linux workload=list
 *
 * The words are those of bench/FORMAT.md; the result stream goes to stdout.
 * Exit status: 0 success, 1 the run failed (ERROR printed), 2 bad words.
 */
#include <stdio.h>
#include <string.h>

#include "../common/params.h"
#include "../common/wl_shared.h"
#include "pingpong.h"
#include "rt.h"
#include "wl_rt_plat.h"


/* Sizes: 1 byte up to what each mechanism carries as one message. */
static const struct wl_param p_stream[] = {
	RT_PARAM_PLACEMENT, RT_PARAM_SIZE(1, 65536, 64), RT_PARAM_TIMER,
};
static const struct wl_param p_mq[] = {
	/* /proc/sys/fs/mqueue/msgsize_max is 8192 by default */
	RT_PARAM_PLACEMENT, RT_PARAM_SIZE(1, 8192, 64), RT_PARAM_TIMER,
};
static const char *const tp_handle_names[] = { "copy", "attached", NULL };
static const struct wl_param p_ringtp[] = {
	RT_PARAM_PLACEMENT, RT_PARAM_TIMER,
	{ .name = "variant", .def = RING_CACHED - 1, .choices = ring_variant_names },
	/* messages per sample (the frame's per=) */
	{ .name = "msgs", .min = 1, .max = 1000000, .def = 1000 },
	/* variant=batched: messages per push_n64/pop_n64 */
	{ .name = "burst", .min = 1, .max = 64, .def = 32 },
	/* CPU hints a side waits after finding the ring full or empty */
	{ .name = "backoff", .min = 0, .max = 65536, .def = 1 },
	/* messages the ring holds (a power of two except naive) */
	{ .name = "capacity", .min = 2, .max = 65536, .def = 1024 },
	/* the loops on a local copy of each handle, or on the attached one */
	{ .name = "handle", .def = 0, .choices = tp_handle_names },
};
/* The benchmark's own reference queue (refq.h): ring_throughput's words but
 * the variant and the burst. */
static const struct wl_param p_refq_tp[] = {
	RT_PARAM_PLACEMENT, RT_PARAM_TIMER,
	{ .name = "msgs", .min = 1, .max = 1000000, .def = 1000 },
	{ .name = "backoff", .min = 0, .max = 65536, .def = 1 },
	{ .name = "capacity", .min = 2, .max = 65536, .def = 1024 },
};
static const struct wl_param p_refq_pp[] = {
	RT_PARAM_PLACEMENT, RT_PARAM_SIZE(8, 4096, 64), RT_PARAM_TIMER,
};
static const struct wl_param p_ring64_pp[] = {
	RT_PARAM_PLACEMENT, RT_PARAM_SIZE(8, 8, 8), RT_PARAM_TIMER,
	{ .name = "variant", .def = RING_CACHED - 1, .choices = ring_variant_names },
};
static const struct wl_param p_cacheline[] = {
	RT_PARAM_PLACEMENT, RT_PARAM_SIZE(8, 8, 8), RT_PARAM_TIMER,
};

static int run_pipe(const struct wl_args *a) { return pp_run(a, &pp_pipe); }
static int run_fifo(const struct wl_args *a) { return pp_run(a, &pp_fifo); }
static int run_unix_stream(const struct wl_args *a) { return pp_run(a, &pp_unix_stream); }
static int run_unix_dgram(const struct wl_args *a) { return pp_run(a, &pp_unix_dgram); }
static int run_eventfd(const struct wl_args *a) { return pp_run(a, &pp_eventfd); }
static int run_futex(const struct wl_args *a) { return pp_run(a, &pp_futex); }
static int run_mq(const struct wl_args *a) { return pp_run(a, &pp_mq); }
static int run_ringtp(const struct wl_args *a) { return ringtp_run(a); }
static int run_refq_tp(const struct wl_args *a) { return refq_throughput_run(a); }
static int run_refq_pp(const struct wl_args *a) { return pp_run(a, &pp_refq); }
static int run_ring64_pp(const struct wl_args *a) { return pp_run(a, &pp_ring64); }

#define N(p) (sizeof(p) / sizeof((p)[0]))

/* The registry of the Linux platform: the shared workloads
 * (workloads/common/wl_*.c, through the runtime of rt_wl.c), then these,
 * Linux's own: every one's metric is `rtt` but ring_throughput's and
 * ref_throughput's, `batch`
 * (ns for msgs messages, per=msgs). */
static const struct wl_desc own[] = {
	{ "pipe", "ping-pong over two pipes", p_stream, N(p_stream), run_pipe },
	{ "fifo", "ping-pong over two named pipes", p_stream, N(p_stream), run_fifo },
	{ "unix_stream", "ping-pong over a SOCK_STREAM socketpair", p_stream,
	  N(p_stream), run_unix_stream },
	{ "unix_dgram", "ping-pong over a SOCK_DGRAM socketpair", p_stream,
	  N(p_stream), run_unix_dgram },
	{ "eventfd", "shared-memory message, eventfd notification", p_stream,
	  N(p_stream), run_eventfd },
	{ "futex", "shared-memory message, futex wait/wake (no spinning)", p_stream,
	  N(p_stream), run_futex },
	{ "mq", "ping-pong over two POSIX message queues", p_mq, N(p_mq), run_mq },
	{ "ring_throughput", "8-byte messages through one ring of ipc/, polling", p_ringtp,
	  N(p_ringtp), run_ringtp },
	{ "ref_throughput", "ring_throughput on the benchmark's reference cached-index queue",
	  p_refq_tp, N(p_refq_tp), run_refq_tp },
	{ "ref_pingpong", "ping-pong over two of the benchmark's reference queues, polling",
	  p_refq_pp, N(p_refq_pp), run_refq_pp },
	{ "ring64_pingpong", "ping-pong over two rings of ipc/ through the 8-byte inline paths, polling",
	  p_ring64_pp, N(p_ring64_pp), run_ring64_pp },
	{ "cacheline", "one cache line bounced between two CPUs: the floor", p_cacheline,
	  N(p_cacheline), cacheline_run },
};

static struct wl_desc table[N(own) + 16];

int main(int argc, char **argv)
{
	char words[4096], err[256];
	size_t n = 0, ntable = 0;
	struct wl_args args;
	int rc;

	if (wl_shared_count > N(table) - N(own)) {
		stream_error(&rt_out, "main.c: the registry has no room for every shared workload");
		stream_done(&rt_out, false);
		return RT_EXIT_BAD_WORDS;
	}
	for (size_t i = 0; i < wl_shared_count; i++)
		table[ntable++] = *wl_shared_table[i];
	for (size_t i = 0; i < N(own); i++)
		table[ntable++] = own[i];

	words[0] = '\0';
	for (int i = 1; i < argc; i++) {
		size_t len = strlen(argv[i]);
		if (n + len + 2 > sizeof(words)) {
			stream_error(&rt_out, "the arguments are too long");
			stream_done(&rt_out, false);
			return RT_EXIT_BAD_WORDS;
		}
		if (n > 0)
			words[n++] = ' ';
		memcpy(words + n, argv[i], len + 1);
		n += len;
	}
	if (wl_wants_list(words)) {
		wl_list(&rt_out, table, ntable);
		return RT_EXIT_OK;
	}
	rc = wl_parse(table, ntable, words, &args, err, sizeof(err));
	if (rc != 0) {
		stream_error(&rt_out, err);
		stream_done(&rt_out, false);
		fprintf(stderr, "ipclab-linux: %s\n", err);
		return RT_EXIT_BAD_WORDS;
	}
	/* Natively runs are timed (no instruction-exact clock); linux-virt's
	 * may be exact (rt.h, rt_mode_check). */
	if (rt_mode_check(&args, words, err, sizeof(err)) != 0) {
		stream_error(&rt_out, err);
		stream_done(&rt_out, false);
		fprintf(stderr, "ipclab-linux: %s\n", err);
		return RT_EXIT_BAD_WORDS;
	}
	rc = args.desc->run(&args);
	wl_rt_end();
	if (rc != 0) {
		stream_error(&rt_out, rt_error());
		fprintf(stderr, "ipclab-linux: %s\n", rt_error());
	}
	stream_done(&rt_out, rc == 0);
	return rc == 0 ? RT_EXIT_OK : RT_EXIT_RUN_FAILED;
}
