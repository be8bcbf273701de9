/*
 * bench.c: the ring benchmark (make ring-bench), natively, cross-core.
 *
 * Two threads pinned to CPUs 0 and 1, 8-byte messages.  One repetition
 * runs, in this order: the throughput of each SPSC variant (naive, cached,
 * batched by 32, stamped), the round trip of a ping-pong over two cached
 * rings and over two stamped rings, and the round trip of one cache line
 * bounced by ipc_cacheline_ping/pong (the floor).  Repetitions interleave the designs, so that a change of the
 * machine's state (this VM's vCPUs move) hits all of them alike; ratios are
 * computed within each repetition and reported with their spread.
 *
 *   ring-bench [-v] [--reps R] [--msgs N] [--rounds R] [--backoff K] [--cpus A,B]   (-v: every repetition)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "ring_linux.h"

#define CAPACITY 1024u
#define BATCH 32u

enum exp_id { EXP_NAIVE, EXP_CACHED, EXP_BATCHED, EXP_STAMPED, EXP_RTT_RING, EXP_RTT_STAMPED,
	      EXP_RTT_LINE, EXP_COUNT };

static const struct {
	const char *name;
	const char *unit;
} exps[EXP_COUNT] = {
	[EXP_NAIVE] = { "throughput naive", "Mmsg/s" },
	[EXP_CACHED] = { "throughput cached", "Mmsg/s" },
	[EXP_BATCHED] = { "throughput batched(32)", "Mmsg/s" },
	[EXP_STAMPED] = { "throughput stamped", "Mmsg/s" },
	[EXP_RTT_RING] = { "round trip, two cached rings", "ns" },
	[EXP_RTT_STAMPED] = { "round trip, two stamped rings", "ns" },
	[EXP_RTT_LINE] = { "round trip, one cache line (floor)", "ns" },
};

struct bench {
	enum exp_id exp;
	uint64_t msgs, rounds;
	unsigned backoff;  /* CPU hints a throughput side waits when full or empty */
	int cpu[2];
	void *ring[2];
	size_t ring_len;
	_Atomic uint64_t *line;
	_Atomic int ready;
	uint64_t elapsed_ns;
	long preempted[2];  /* involuntary context switches of each side during the run */
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

/* A throughput side that found the ring full (empty) waits b->backoff CPU
 * hints before it looks again.  With 1, a fast consumer chases the producer
 * slot by slot and the slots' cache lines bounce; more lets a batch build
 * up.  Both sides of every variant use the same value. */
static void backoff(const struct bench *b)
{
	for (unsigned k = 0; k < b->backoff; k++)
		ring_cpu_relax();
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
				backoff(b);
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
				backoff(b);
		}
		break;
	case EXP_STAMPED:
		for (uint64_t i = 0; i < n;) {
			if (ring_stamped_push64_w(&p, i, RING_WAKE_POLL))
				i++;
			else
				backoff(b);
		}
		break;
	default:
		for (uint64_t i = 0; i < n;) {
			void *w;
			uint32_t k = ring_spsc_reserve_n(&p, BATCH, &w);
			if (k == 0) {
				backoff(b);
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
				backoff(b);
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
				backoff(b);
			}
		}
		break;
	case EXP_STAMPED:
		for (uint64_t i = 0; i < n;) {
			uint64_t v;
			if (ring_stamped_pop64_w(&c, &v, RING_WAKE_POLL)) {
				sum += v;
				i++;
			} else {
				backoff(b);
			}
		}
		break;
	default:
		for (uint64_t i = 0; i < n;) {
			const void *r;
			uint32_t k = ring_spsc_peek_n(&c, BATCH, &r);
			if (k == 0) {
				backoff(b);
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

/* 8-byte push and pop on the ring of this experiment (POLL). */
static bool push(struct bench *b, struct ring_prod *p, uint64_t v)
{
	return b->exp == EXP_RTT_STAMPED ? ring_stamped_push64_w(p, v, RING_WAKE_POLL)
					 : ring_spsc_push64_w(p, v, RING_WAKE_POLL);
}

static bool pop(struct bench *b, struct ring_cons *c, uint64_t *v)
{
	return b->exp == EXP_RTT_STAMPED ? ring_stamped_pop64_w(c, v, RING_WAKE_POLL)
					 : ring_spsc_pop64_w(c, v, RING_WAKE_POLL);
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
		while (!push(b, &p, i))
			ring_cpu_relax();
		while (!pop(b, &c, &v))
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
		while (!pop(b, &c, &v))
			ring_cpu_relax();
		while (!push(b, &p, v))
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
	struct rusage ru0, ru1;
	getrusage(RUSAGE_THREAD, &ru0);
	uint64_t t0 = ipc_now_ns();
	if (s->id == 0) {
		if (b->exp == EXP_RTT_RING || b->exp == EXP_RTT_STAMPED)
			ring_ping(b);
		else if (b->exp == EXP_RTT_LINE)
			ipc_cacheline_ping(b->line, b->rounds);
		else
			b->check = consume(b);
		b->elapsed_ns = ipc_now_ns() - t0;
	} else {
		if (b->exp == EXP_RTT_RING || b->exp == EXP_RTT_STAMPED)
			ring_pong(b);
		else if (b->exp == EXP_RTT_LINE)
			ipc_cacheline_pong(b->line, b->rounds);
		else
			produce(b);
	}
	getrusage(RUSAGE_THREAD, &ru1);
	b->preempted[s->id] = ru1.ru_nivcsw - ru0.ru_nivcsw;
	return NULL;
}

/* One experiment: a fresh ring (or line), both sides, the figure; *clean
 * says whether neither side was preempted while it ran. */
static double run(struct bench *b, enum exp_id e, bool *clean)
{
	static const enum ring_variant variant[EXP_COUNT] = {
		[EXP_NAIVE] = RING_NAIVE, [EXP_CACHED] = RING_CACHED, [EXP_BATCHED] = RING_BATCHED,
		[EXP_STAMPED] = RING_STAMPED, [EXP_RTT_RING] = RING_CACHED,
		[EXP_RTT_STAMPED] = RING_STAMPED, [EXP_RTT_LINE] = RING_CACHED,
	};
	struct ring_config cfg = { variant[e], RING_WAKE_POLL, CAPACITY, 8 };
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
	*clean = b->preempted[0] == 0 && b->preempted[1] == 0;
	if (e == EXP_RTT_RING || e == EXP_RTT_STAMPED || e == EXP_RTT_LINE)
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

/* Median of the values flagged clean (or of all, when fewer than 3 are). */
static double median(const double *v, const bool *clean, int n, int *used)
{
	double s[256];
	int k = 0;
	for (int i = 0; i < n; i++)
		if (clean[i])
			s[k++] = v[i];
	if (k < 3) {
		memcpy(s, v, sizeof(double) * (size_t)n);
		k = n;
	}
	qsort(s, (size_t)k, sizeof s[0], cmp_double);
	*used = k;
	return s[k / 2];
}

static void spread(const double *v, int n, double *lo, double *hi)
{
	*lo = *hi = v[0];
	for (int i = 1; i < n; i++) {
		if (v[i] < *lo)
			*lo = v[i];
		if (v[i] > *hi)
			*hi = v[i];
	}
}

static void loadavg(const char *when)
{
	FILE *f = fopen("/proc/loadavg", "r");
	char buf[64] = "?";
	if (f) {
		if (!fgets(buf, sizeof buf, f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
	printf("load average %s: %s\n", when, buf);
}

int main(int argc, char **argv)
{
	struct bench b = { .msgs = 1000000, .rounds = 20000, .backoff = 1, .cpu = { 0, 1 } };
	int reps = 21;
	bool verbose = false;
	for (int i = 1; i < argc; i += 2) {
		if (strcmp(argv[i], "-v") == 0) {
			verbose = true;
			i--;
		} else if (i + 1 >= argc) {
			die("usage: ring-bench [-v] [--reps R] [--msgs N] [--rounds R] [--backoff K] [--cpus A,B]");
		} else if (strcmp(argv[i], "--reps") == 0)
			reps = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--msgs") == 0)
			b.msgs = strtoull(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--backoff") == 0)
			b.backoff = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--rounds") == 0)
			b.rounds = strtoull(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--cpus") == 0 && sscanf(argv[i + 1], "%d,%d", &b.cpu[0], &b.cpu[1]) == 2)
			;
		else
			die("usage: ring-bench [-v] [--reps R] [--msgs N] [--rounds R] [--backoff K] [--cpus A,B]");
	}
	if (reps < 1 || reps > 256 || b.msgs < BATCH || b.rounds < 1)
		die("bad --reps, --msgs or --rounds");

	struct ring_config big = { RING_STAMPED, RING_WAKE_POLL, CAPACITY, 8 };
	b.ring_len = ring_region_size(&big);   /* 16-byte cells: the largest */
	for (int r = 0; r < 2; r++)
		if (!(b.ring[r] = aligned_alloc(4096, (b.ring_len + 4095) / 4096 * 4096)))
			die("out of memory");
	b.line = aligned_alloc(128, 128);
	if (!b.line)
		die("out of memory");

	printf("ring-bench: CPUs %d and %d, 8-byte messages, capacity %u, %llu messages per "
	       "throughput run (backoff %u), %llu round trips per latency run, %d interleaved "
	       "repetitions\n", b.cpu[0], b.cpu[1], CAPACITY, (unsigned long long)b.msgs,
	       b.backoff, (unsigned long long)b.rounds, reps);
	loadavg("before");
	double v[EXP_COUNT][256];
	bool clean[EXP_COUNT][256], dummy;
	double r_cached[256], r_stamped[256], r_batched[256], r_rtt[256], r_rtt_st[256];
	/* One warm-up repetition, not reported. */
	for (int e = 0; e < EXP_COUNT; e++)
		(void)run(&b, (enum exp_id)e, &dummy);
	for (int i = 0; i < reps; i++) {
		for (int e = 0; e < EXP_COUNT; e++)
			v[e][i] = run(&b, (enum exp_id)e, &clean[e][i]);
		r_cached[i] = v[EXP_CACHED][i] / v[EXP_NAIVE][i];
		r_batched[i] = v[EXP_BATCHED][i] / v[EXP_CACHED][i];
		r_rtt[i] = v[EXP_RTT_RING][i] / v[EXP_RTT_LINE][i];
		r_stamped[i] = v[EXP_STAMPED][i] / v[EXP_NAIVE][i];
		r_rtt_st[i] = v[EXP_RTT_STAMPED][i] / v[EXP_RTT_LINE][i];
		if (verbose) {
			printf("rep %d:", i + 1);
			for (int e = 0; e < EXP_COUNT; e++)
				printf(" %.1f%s", v[e][i], clean[e][i] ? "" : "*");
			printf("  (naive cached batched stamped Mmsg/s; cached stamped line RTT ns;"
			       " * = preempted)\n");
		}
	}
	loadavg("after");
	/* A run during which either side was preempted measured the scheduler,
	 * not the ring: medians use the clean runs when there are 3 or more. */
	printf("figures (median of the runs in which neither thread was preempted):\n");
	double med[EXP_COUNT];
	for (int e = 0; e < EXP_COUNT; e++) {
		int used, nclean = 0;
		double lo, hi;
		for (int i = 0; i < reps; i++)
			nclean += clean[e][i];
		med[e] = median(v[e], clean[e], reps, &used);
		spread(v[e], reps, &lo, &hi);
		printf("  %-36s %9.2f %-6s  %2d of %d runs clean%s; all runs %.2f .. %.2f\n",
		       exps[e].name, med[e], exps[e].unit, nclean, reps,
		       nclean < 3 ? " (too few: median of all)" : "", lo, hi);
	}
	printf("ratios of those medians:\n");
	printf("  cached / naive throughput     %6.2f  (goal >= 5)\n", med[EXP_CACHED] / med[EXP_NAIVE]);
	printf("  batched(32) / cached          %6.2f  (goal >= 2)\n", med[EXP_BATCHED] / med[EXP_CACHED]);
	printf("  stamped / naive throughput    %6.2f\n", med[EXP_STAMPED] / med[EXP_NAIVE]);
	printf("  cached RTT / cache-line RTT   %6.2f  (goal <= 1.3)\n", med[EXP_RTT_RING] / med[EXP_RTT_LINE]);
	printf("  stamped RTT / cache-line RTT  %6.2f\n", med[EXP_RTT_STAMPED] / med[EXP_RTT_LINE]);
	printf("ratios within each repetition (all runs), median and range:\n");
	const struct { const char *name; double *r; } rs[] = {
		{ "cached / naive throughput", r_cached },
		{ "stamped / naive throughput", r_stamped },
		{ "batched(32) / cached", r_batched },
		{ "cached RTT / cache-line RTT", r_rtt },
		{ "stamped RTT / cache-line RTT", r_rtt_st },
	};
	bool all[256];
	for (int i = 0; i < reps; i++)
		all[i] = true;
	for (size_t k = 0; k < sizeof rs / sizeof rs[0]; k++) {
		int used;
		double lo, hi, m = median(rs[k].r, all, reps, &used);
		spread(rs[k].r, reps, &lo, &hi);
		printf("  %-29s %6.2f  (%.2f .. %.2f)\n", rs[k].name, m, lo, hi);
	}
	free(b.ring[0]);
	free(b.ring[1]);
	free(b.line);
	return 0;
}
