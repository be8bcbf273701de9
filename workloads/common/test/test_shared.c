/*
 * Unit tests of the shared workloads (workloads/common/wl_*.c) on the fake
 * runtime (test/fake/): one CPU scheduled like the ipclab kernel's threads
 * of one priority, a counter that advances a known amount a read, faults
 * on demand.  Each workload's samples are checked against what the fake's
 * counter says they must be, and each check of a workload is made to fail
 * (a spurious wake-up, a yield that does not switch, a failing syscall, a
 * placement it cannot measure).  The same sources run for real on both
 * platforms: test-linux (workloads/linux/test/test_runner.py) and
 * test-workloads-qemu (workloads/test/test_virt.py).
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "fake/fake_rt.h"
#include "../wl_shared.h"

static const struct wl_desc *find(const char *name)
{
	for (size_t i = 0; i < wl_shared_count; i++)
		if (strcmp(wl_shared_table[i]->name, name) == 0)
			return wl_shared_table[i];
	return NULL;
}

/* Parse `words` against the shared table and run it on a fresh fake. */
static int run(const char *words, struct wl_args *a)
{
	static struct wl_desc table[16];
	char err[200];
	for (size_t i = 0; i < wl_shared_count; i++)
		table[i] = *wl_shared_table[i];
	int e = wl_parse(table, wl_shared_count, words, a, err, sizeof err);
	if (e != WL_OK) {
		fprintf(stderr, "wl_parse(%s): %s\n", words, err);
		return -100;
	}
	return a->desc->run(a);
}

static bool all_equal(const struct fake_frame *f, int64_t v)
{
	for (uint64_t i = 0; i < f->n; i++)
		if (f->samples[i] != v)
			return false;
	return true;
}

static void test_table(void)
{
	CHECK(find("null_syscall") && find("yield") && find("ntfn_pingpong") && find("ring_pingpong") &&
	      find("mpsc"));
	/* Every shared table parses with its defaults on this runtime too. */
	for (size_t i = 0; i < wl_shared_count; i++) {
		char words[64];
		struct wl_args a;
		char err[200];
		snprintf(words, sizeof words, "workload=%s", wl_shared_table[i]->name);
		CHECK(wl_parse(wl_shared_table[i], 1, words, &a, err, sizeof err) == WL_OK);
	}
}

static void test_null(void)
{
	struct wl_args a;
	fake_reset();
	CHECK(run("workload=null_syscall iterations=40 warmup=3", &a) == 0);
	CHECK(fake_out.nframes == 1);
	CHECK(strcmp(fake_out.frame[0].metric, "null") == 0 && fake_out.frame[0].n == 40);
	/* the syscall's ticks less the overhead wl_rt_begin gave (2) */
	CHECK(all_equal(&fake_out.frame[0], FAKE_NULL_COST - 2));

	fake_reset();
	fake.null_ret = -3;
	CHECK(run("workload=null_syscall iterations=5", &a) == 1);
	CHECK(fake_out.nframes == 0);
	CHECK(strcmp(fake_out.error, "null syscall returned -3") == 0);
}

static void test_yield(void)
{
	struct wl_args a;
	fake_reset();
	CHECK(run("workload=yield iterations=30 warmup=2", &a) == 0);
	CHECK(fake_out.nframes == 1 && fake_out.frame[0].n == 30);
	/* from the partner's count before its yield to the root's after:
	 * the switch, one read, less the overhead (one read) */
	CHECK(all_equal(&fake_out.frame[0], FAKE_YIELD_COST));

	fake_reset();
	fake.yield_stays = true;   /* Linux's sched_yield may keep the CPU */
	CHECK(run("workload=yield iterations=5", &a) == 1);
	CHECK(strstr(fake_out.error, "yields in a row returned without the partner running") != NULL);
	CHECK(fake_out.nframes == 0);

	fake_reset();
	CHECK(run("workload=yield placement=cross", &a) == 1);
	CHECK(strstr(fake_out.error, "placement=same") != NULL);
	fake_reset();
}

static void test_ntfn_pingpong(void)
{
	struct wl_args a;
	fake_reset();
	CHECK(run("workload=ntfn_pingpong iterations=25 warmup=4", &a) == 0);
	CHECK(fake_out.nframes == 1 && fake_out.frame[0].n == 25);
	CHECK(strcmp(fake_out.frame[0].metric, "rtt") == 0);
	CHECK(fake_views_differ());
	/* one CPU, no work but the reads: the round trip is the root's two
	 * reads less the overhead of two reads */
	CHECK(all_equal(&fake_out.frame[0], 0));

	/* The task woken without a signal: it finds the root's count behind. */
	fake_reset();
	fake.spurious_ntfn = 0;
	fake.spurious_at = 7;
	CHECK(run("workload=ntfn_pingpong iterations=20 warmup=2", &a) == 1);
	CHECK(strstr(fake_out.error, "woken for round trip 7, the root began 6") != NULL);
	CHECK(fake_out.nframes == 0);

	/* The root woken without a signal: the task has not answered. */
	fake_reset();
	fake.spurious_ntfn = 1;
	fake.spurious_at = 5;
	CHECK(run("workload=ntfn_pingpong iterations=20 warmup=2", &a) == 1);
	CHECK(strstr(fake_out.error, "round trip 5 woke the root with the task at 4") != NULL);
	fake_reset();
}

static void test_ring_pingpong(void)
{
	static const char *const variants[] = { "naive", "cached", "batched", "mpsc", "stamped" };
	static const char *const wakes[] = { "every", "transition", "announce" };
	struct wl_args a;
	char words[160];
	/* Every variant and sleeping protocol (polling would spin for ever on
	 * a CPU that is never taken away), 8 and 64 bytes: the root checks
	 * each echo word for word; the fake's counter moves only when read. */
	for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++)
		for (size_t k = 0; k < sizeof wakes / sizeof wakes[0]; k++)
			for (int size = 8; size <= 64; size += 56) {
				fake_reset();
				snprintf(words, sizeof words, "workload=ring_pingpong variant=%s wake=%s "
				         "size=%d iterations=40 warmup=3", variants[v], wakes[k], size);
				CHECK(run(words, &a) == 0);
				CHECK(fake_out.nframes == 1 && fake_out.frame[0].n == 40);
				CHECK(fake_out.nframes == 1 && all_equal(&fake_out.frame[0], 0));
				CHECK(fake_views_differ());
			}
	/* The root's checks: a corrupt request comes back corrupt, a message
	 * sent out of turn comes back as what it is. */
	fake_reset();
	fake.fault = WL_RT_FAULT_REQ;
	fake.fault_at = 5;
	CHECK(run("workload=ring_pingpong size=64 iterations=20", &a) == 1);
	CHECK(strcmp(fake_out.error, "ring_pingpong: round trip 5 came back corrupt: word 7 of 8") == 0);
	CHECK(fake_out.nframes == 0);
	fake_reset();
	fake.fault = WL_RT_FAULT_SEQ;
	fake.fault_at = 3;
	CHECK(run("workload=ring_pingpong size=8 iterations=20", &a) == 1);
	CHECK(strcmp(fake_out.error, "ring_pingpong: round trip 3 came back as message 4") == 0);
	/* Refused by name before anything runs. */
	fake_reset();
	CHECK(run("workload=ring_pingpong size=12", &a) == 1);
	CHECK(strstr(fake_out.error, "size=12 is not a multiple of 8") != NULL);
	fake_reset();
	CHECK(run("workload=ring_pingpong variant=mpmc wake=every", &a) == 1);
	CHECK(strstr(fake_out.error, "variant=mpmc wake=every: ring_init says") != NULL);
	fake_reset();
}

static void test_mpsc(void)
{
	struct wl_args a;
	char words[120];
	/* Fewer messages than the ring holds: the producers never poll for
	 * space (on the fake's CPU, which nobody takes away, they would spin). */
	for (int k = 1; k <= 4; k++) {
		fake_reset();
		snprintf(words, sizeof words, "workload=mpsc producers=%d iterations=40 warmup=4", k);
		CHECK(run(words, &a) == 0);
		CHECK(fake_out.nframes == 1 && fake_out.frame[0].n == 40);
		CHECK(fake_out.nframes == 1 && strcmp(fake_out.frame[0].metric, "msg") == 0);
		/* every sample is at least one read's worth of counter */
		bool pos = fake_out.nframes == 1;
		for (uint64_t i = 0; pos && i < fake_out.frame[0].n; i++)
			pos = fake_out.frame[0].samples[i] >= FAKE_TICK;
		CHECK(pos);
	}
	/* A producer's messages out of its order: the consumer notices. */
	fake_reset();
	fake.fault = WL_RT_FAULT_SEQ;
	CHECK(run("workload=mpsc producers=2 iterations=30 warmup=2", &a) == 1);
	CHECK(strcmp(fake_out.error,
	             "mpsc with 2 producers: a message was lost, duplicated or reordered") == 0);
	CHECK(fake_out.nframes == 0);
	fake_reset();
}

int main(void)
{
	test_table();
	test_null();
	test_yield();
	test_ntfn_pingpong();
	test_ring_pingpong();
	test_mpsc();
	if (failures != 0) {
		fprintf(stderr, "test_shared: %d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("test_shared: all %d checks passed\n", checks);
	return 0;
}
