/*
 * bench.c: the ring benchmark (make ring-bench), natively, cross-core.
 *
 * Two threads pinned to CPUs 0 and 1, 8-byte messages.  One repetition
 * runs, in this order: the throughput of each SPSC variant (naive, cached,
 * batched by 32), the round trip of a ping-pong over two cached rings, and
 * the round trip of one cache line bounced by ipc_cacheline_ping/pong (the
 * floor).  Repetitions interleave the designs, so that a change of the
 * machine's state (this VM's vCPUs move) hits all of them alike; ratios are
 * computed within each repetition and reported with their spread.
 *
 *   ring-bench [-v] [--reps R] [--msgs N] [--rounds R] [--cpus A,B]   (-v: every repetition)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ring_linux.h"

#define CAPACITY 1024u
#define BATCH 32u

enum exp_id { EXP_NAIVE, EXP_CACHED, EXP_BATCHED, EXP_RTT_RING, EXP_RTT_LINE, EXP_COUNT };

static const struct {
	const char *name;
	const char *unit;
} exps[EXP_COUNT] = {
	[EXP_NAIVE] = { "throughput naive", "Mmsg/s" },
	[EXP_CACHED] = { "throughput cached", "Mmsg/s" },
	[EXP_BATCHED] = { "throughput batched(32)", "Mmsg/s" },
	[EXP_RTT_RING] = { "round trip, two cached rings", "ns" },
	[EXP_RTT_LINE] = { "round trip, one cache line (floor)", "ns" },
};

struct bench {
	enum exp_id exp;
	uint64_t msgs, rounds;
	int cpu[2];
	void *ring[2];
	size_t ring_len;
	_Atomic uint64_t *line;
	_Atomic int ready;
	uint64_t elapsed_ns;
	uint64_t check;   /* what the consumer saw: a sum, so that work is not elided */
};

struct side {
	struct bench *b;
	int id;           /* 0: consumer / ping (times the run); 1: producer / pong */
};

static void die(const char *what)
{
	fprintf(stderr, "ring-bench: %s\n", what);
	exit(1);
}

static void attach(struct bench *b, int r, struct ring_prod *p, struct ring_cons *c)
{
	if (p && ring_attach_prod(p, b->ring[r], b->ring_len, NULL, NULL, NULL) != RING_OK)
		die("attach producer");
	if (c && ring_attach_cons(c, b->ring[r], b->ring_len, NULL, NULL, NULL) != RING_OK)
		die("attach consumer");
}

static void produce(struct bench *b)
{
	struct ring_prod p;
	attach(b, 0, &p, NULL);
	uint64_t n = b->msgs;
	switch (b->exp) {
	case EXP_NAIVE:
		for (uint64_t i = 0; i < n;) {
			uint64_t *s = ring_naive_reserve(&p);
			if (!s) {
				ring_cpu_relax();
				continue;
			}
			*s = i++;
			ring_naive_commit(&p);
		}
		break;
	case EXP_CACHED:
		for (uint64_t i = 0; i < n;) {
			if (ring_spsc_push64_w(&p, i, RING_WAKE_POLL))
				i++;
			else
				ring_cpu_relax();
		}
		break;
	default:
		for (uint64_t i = 0; i < n;) {
			void *w;
			uint32_t k = ring_spsc_reserve_n(&p, BATCH, &w);
			if (k == 0) {
				ring_cpu_relax();
				continue;
			}
			uint64_t *s = w;
			for (uint32_t j = 0; j < k; j++)
				s[j] = i + j;
			ring_spsc_commit_n_w(&p, k, RING_WAKE_POLL);
			i += k;
		}
		break;
	}
}

static uint64_t consume(struct bench *b)
{
	struct ring_cons c;
	attach(b, 0, NULL, &c);
	uint64_t n = b->msgs, sum = 0;
	switch (b->exp) {
	case EXP_NAIVE:
		for (uint64_t i = 0; i < n;) {
			const uint64_t *s = ring_naive_peek(&c);
			if (!s) {
				ring_cpu_relax();
				continue;
			}
			sum += *s;
			i++;
			ring_naive_release(&c);
		}
		break;
	case EXP_CACHED:
		for (uint64_t i = 0; i < n;) {
			uint64_t v;
			if (ring_spsc_pop64_w(&c, &v, RING_WAKE_POLL)) {
				sum += v;
				i++;
			} else {
				ring_cpu_relax();
			}
		}
		break;
	default:
		for (uint64_t i = 0; i < n;) {
			const void *r;
			uint32_t k = ring_spsc_peek_n(&c, BATCH, &r);
			if (k == 0) {
				ring_cpu_relax();
				continue;
			}
			const uint64_t *s = r;
			for (uint32_t j = 0; j < k; j++)
				sum += s[j];
			ring_spsc_release_n_w(&c, k, RING_WAKE_POLL);
			i += k;
		}
		break;
	}
	return sum;
}

/* Ping-pong over two rings: ring 0 carries pings, ring 1 the answers. */
static void ring_ping(struct bench *b)
{
	struct ring_prod p;
	struct ring_cons c;
	attach(b, 0, &p, NULL);
	attach(b, 1, NULL, &c);
	for (uint64_t i = 0; i < b->rounds; i++) {
		uint64_t v;
		while (!ring_spsc_push64_w(&p, i, RING_WAKE_POLL))
			ring_cpu_relax();
		while (!ring_spsc_pop64_w(&c, &v, RING_WAKE_POLL))
			ring_cpu_relax();
		if (v != i)
			die("ping-pong answer out of order");
	}
}

static void ring_pong(struct bench *b)
{
	struct ring_prod p;
	struct ring_cons c;
	attach(b, 1, &p, NULL);
	attach(b, 0, NULL, &c);
	for (uint64_t i = 0; i < b->rounds; i++) {
		uint64_t v;
		while (!ring_spsc_pop64_w(&c, &v, RING_WAKE_POLL))
			ring_cpu_relax();
		while (!ring_spsc_push64_w(&p, v, RING_WAKE_POLL))
			ring_cpu_relax();
	}
}

static void *run_side(void *arg)
{
	struct side *s = arg;
	struct bench *b = s->b;
	if (ipc_pin_cpu(b->cpu[s->id]) != 0)
		die("cannot pin to the CPUs asked (see --cpus)");
	/* Both sides pinned and ready before the clock starts. */
	atomic_fetch_add(&b->ready, 1);
	while (atomic_load(&b->ready) < 2)
		ring_cpu_relax();
	uint64_t t0 = ipc_now_ns();
	if (s->id == 0) {
		if (b->exp == EXP_RTT_RING)
			ring_ping(b);
		else if (b->exp == EXP_RTT_LINE)
			ipc_cacheline_ping(b->line, b->rounds);
		else
			b->check = consume(b);
		b->elapsed_ns = ipc_now_ns() - t0;
	} else {
		if (b->exp == EXP_RTT_RING)
			ring_pong(b);
		else if (b->exp == EXP_RTT_LINE)
			ipc_cacheline_pong(b->line, b->rounds);
		else
			produce(b);
	}
	return NULL;
}

/* One experiment: a fresh ring (or line), both sides, the figure. */
static double run(struct bench *b, enum exp_id e)
{
	struct ring_config cfg = { e == EXP_NAIVE ? RING_NAIVE : e == EXP_BATCHED ? RING_BATCHED : RING_CACHED,
				   RING_WAKE_POLL, CAPACITY, 8 };
	for (int r = 0; r < 2; r++)
		if (ring_init(b->ring[r], b->ring_len, &cfg) != RING_OK)
			die("ring_init");
	atomic_store(b->line, 0);
	b->exp = e;
	atomic_store(&b->ready, 0);
	pthread_t th[2];
	struct side sides[2] = { { b, 0 }, { b, 1 } };
	for (int i = 0; i < 2; i++)
		if (pthread_create(&th[i], NULL, run_side, &sides[i]) != 0)
			die("pthread_create");
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	if (e == EXP_RTT_RING || e == EXP_RTT_LINE)
		return (double)b->elapsed_ns / (double)b->rounds;
	if (b->check != b->msgs * (b->msgs - 1) / 2)
		die("consumer saw the wrong messages");
	return (double)b->msgs / ((double)b->elapsed_ns / 1e9) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void summary(const char *name, const char *unit, const double *v, int n)
{
	double s[256];
	memcpy(s, v, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof s[0], cmp_double);
	printf("  %-40s median %9.2f %-7s (min %9.2f, max %9.2f, %d reps)\n", name, s[n / 2], unit,
	       s[0], s[n - 1], n);
}

int main(int argc, char **argv)
{
	struct bench b = { .msgs = 2000000, .rounds = 50000, .cpu = { 0, 1 } };
	int reps = 15;
	bool verbose = false;
	for (int i = 1; i < argc; i += 2) {
		if (strcmp(argv[i], "-v") == 0) {
			verbose = true;
			i--;
		} else if (i + 1 >= argc) {
			die("usage: ring-bench [-v] [--reps R] [--msgs N] [--rounds R] [--cpus A,B]");
		} else if (strcmp(argv[i], "--reps") == 0)
			reps = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--msgs") == 0)
			b.msgs = strtoull(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--rounds") == 0)
			b.rounds = strtoull(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--cpus") == 0 && sscanf(argv[i + 1], "%d,%d", &b.cpu[0], &b.cpu[1]) == 2)
			;
		else
			die("usage: ring-bench [-v] [--reps R] [--msgs N] [--rounds R] [--cpus A,B]");
	}
	if (reps < 1 || reps > 256 || b.msgs < BATCH || b.rounds < 1)
		die("bad --reps, --msgs or --rounds");

	struct ring_config big = { RING_NAIVE, RING_WAKE_POLL, CAPACITY, 8 };
	b.ring_len = ring_region_size(&big);   /* the naive ring is the largest */
	for (int r = 0; r < 2; r++)
		if (!(b.ring[r] = aligned_alloc(4096, (b.ring_len + 4095) / 4096 * 4096)))
			die("out of memory");
	b.line = aligned_alloc(128, 128);
	if (!b.line)
		die("out of memory");

	printf("ring-bench: CPUs %d and %d, 8-byte messages, capacity %u, %llu messages per "
	       "throughput run, %llu round trips per latency run, %d interleaved repetitions\n",
	       b.cpu[0], b.cpu[1], CAPACITY, (unsigned long long)b.msgs,
	       (unsigned long long)b.rounds, reps);
	double v[EXP_COUNT][256];
	double r_cached[256], r_batched[256], r_rtt[256];
	/* One warm-up repetition, not reported. */
	for (int e = 0; e < EXP_COUNT; e++)
		(void)run(&b, (enum exp_id)e);
	for (int i = 0; i < reps; i++) {
		for (int e = 0; e < EXP_COUNT; e++)
			v[e][i] = run(&b, (enum exp_id)e);
		r_cached[i] = v[EXP_CACHED][i] / v[EXP_NAIVE][i];
		r_batched[i] = v[EXP_BATCHED][i] / v[EXP_CACHED][i];
		r_rtt[i] = v[EXP_RTT_RING][i] / v[EXP_RTT_LINE][i];
		if (verbose) {
			printf("rep %d:", i + 1);
			for (int e = 0; e < EXP_COUNT; e++)
				printf(" %.1f", v[e][i]);
			printf("  (naive cached batched Mmsg/s; ring line ns)\n");
		}
	}
	printf("figures:\n");
	for (int e = 0; e < EXP_COUNT; e++)
		summary(exps[e].name, exps[e].unit, v[e], reps);
	/* On a shared machine a run is only ever slowed down by interference,
	 * so the best run of each is the least disturbed estimate. */
	double best[EXP_COUNT];
	for (int e = 0; e < EXP_COUNT; e++) {
		best[e] = v[e][0];
		for (int i = 1; i < reps; i++) {
			bool rtt = e == EXP_RTT_RING || e == EXP_RTT_LINE;
			if (rtt ? v[e][i] < best[e] : v[e][i] > best[e])
				best[e] = v[e][i];
		}
	}
	printf("best runs: naive %.1f, cached %.1f, batched(32) %.1f Mmsg/s; ring RTT %.1f ns, "
	       "cache-line RTT %.1f ns\n", best[EXP_NAIVE], best[EXP_CACHED], best[EXP_BATCHED],
	       best[EXP_RTT_RING], best[EXP_RTT_LINE]);
	printf("ratios of the best runs: cached/naive %.2f (goal >= 5), batched/cached %.2f "
	       "(goal >= 2), ring RTT/floor %.2f (goal <= 1.3)\n", best[EXP_CACHED] / best[EXP_NAIVE],
	       best[EXP_BATCHED] / best[EXP_CACHED], best[EXP_RTT_RING] / best[EXP_RTT_LINE]);
	printf("ratios (within each repetition):\n");
	summary("cached / naive throughput   (goal >= 5)", "x", r_cached, reps);
	summary("batched(32) / cached        (goal >= 2)", "x", r_batched, reps);
	summary("ring RTT / cache-line RTT   (goal <= 1.3)", "x", r_rtt, reps);
	free(b.ring[0]);
	free(b.ring[1]);
	free(b.line);
	return 0;
}
