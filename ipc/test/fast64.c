/*
 * fast64.c: the 8-byte fast paths under real concurrency.
 *
 * The workloads count instructions on ring_spsc_push64_w/pop64_w,
 * ring_stamped_push64_w/pop64_w and ring_spsc_push_n64_w/pop_n64_w, but
 * stress.c drives the rings through the generic interface: without this
 * test nothing runs those paths on two threads at once, and a publish store
 * made relaxed went unnoticed (issue 11).  Here a producer and a consumer
 * thread run each path for every variant that has it, polling and with the
 * ANNOUNCE and TRANSITION protocols over futex wakers, on a small ring (so
 * it is full and empty often).  Message i is a value derived from i; the
 * consumer checks every value in order (a lost, repeated, stale or torn
 * message fails).  Built plain and with ThreadSanitizer: TSan sees a payload
 * read racing its write when a publication lacks release/acquire ordering,
 * even on x86 where the sequence check alone would pass.
 *
 *   fast64 [--msgs N]       every configuration; exit 0 when all pass
 *
 * A watchdog (alarm) turns a hang into a failure.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../linux/ring_linux.h"

#define CAP 16u
#define BATCH 5u /* not a divisor of CAP: batches wrap and come back short */
#define TIMEOUT_S 120

enum path { PATH_ONE, PATH_BATCH };

struct cfg {
	enum ring_variant variant;
	enum ring_wake wake;
	enum path path;
};

struct run {
	struct cfg c;
	uint64_t msgs;
	void *mem;
	size_t len;
	struct ring_waker data, space;
	const char *failed; /* set by the consumer */
	uint64_t at;
	uint64_t got;
};

static uint64_t value_of(uint64_t i)
{
	return i * 0x9e3779b97f4a7c15ull ^ (i << 7) ^ 0x5a5a5a5a00000000ull;
}

/* The fast paths, the protocol passed as a constant in each case (as the
 * workloads do) so that what runs is the code they measure. */
static bool push1(struct ring_prod *p, const struct cfg *c, uint64_t v)
{
	switch (c->wake) {
	case RING_WAKE_POLL:
		return c->variant == RING_STAMPED ? ring_stamped_push64_w(p, v, RING_WAKE_POLL)
						  : ring_spsc_push64_w(p, v, RING_WAKE_POLL);
	case RING_WAKE_TRANSITION:
		return c->variant == RING_STAMPED ? ring_stamped_push64_w(p, v, RING_WAKE_TRANSITION)
						  : ring_spsc_push64_w(p, v, RING_WAKE_TRANSITION);
	default:
		return c->variant == RING_STAMPED ? ring_stamped_push64_w(p, v, RING_WAKE_ANNOUNCE)
						  : ring_spsc_push64_w(p, v, RING_WAKE_ANNOUNCE);
	}
}

static bool pop1(struct ring_cons *q, const struct cfg *c, uint64_t *v)
{
	switch (c->wake) {
	case RING_WAKE_POLL:
		return c->variant == RING_STAMPED ? ring_stamped_pop64_w(q, v, RING_WAKE_POLL)
						  : ring_spsc_pop64_w(q, v, RING_WAKE_POLL);
	case RING_WAKE_TRANSITION:
		return c->variant == RING_STAMPED ? ring_stamped_pop64_w(q, v, RING_WAKE_TRANSITION)
						  : ring_spsc_pop64_w(q, v, RING_WAKE_TRANSITION);
	default:
		return c->variant == RING_STAMPED ? ring_stamped_pop64_w(q, v, RING_WAKE_ANNOUNCE)
						  : ring_spsc_pop64_w(q, v, RING_WAKE_ANNOUNCE);
	}
}

static uint32_t pushn(struct ring_prod *p, const struct cfg *c, const uint64_t *v, uint32_t n)
{
	switch (c->wake) {
	case RING_WAKE_POLL:
		return ring_spsc_push_n64_w(p, v, n, RING_WAKE_POLL);
	case RING_WAKE_TRANSITION:
		return ring_spsc_push_n64_w(p, v, n, RING_WAKE_TRANSITION);
	default:
		return ring_spsc_push_n64_w(p, v, n, RING_WAKE_ANNOUNCE);
	}
}

static uint32_t popn(struct ring_cons *q, const struct cfg *c, uint64_t *v, uint32_t n)
{
	switch (c->wake) {
	case RING_WAKE_POLL:
		return ring_spsc_pop_n64_w(q, v, n, RING_WAKE_POLL);
	case RING_WAKE_TRANSITION:
		return ring_spsc_pop_n64_w(q, v, n, RING_WAKE_TRANSITION);
	default:
		return ring_spsc_pop_n64_w(q, v, n, RING_WAKE_ANNOUNCE);
	}
}

static void *producer(void *arg)
{
	struct run *r = arg;
	struct ring_prod p;
	uint64_t buf[BATCH];

	if (ring_attach_prod(&p, r->mem, r->len, NULL, &r->data, &r->space) != RING_OK)
		abort();
	p.spin = 64;
	for (uint64_t i = 0; i < r->msgs;) {
		if (r->c.path == PATH_ONE) {
			if (push1(&p, &r->c, value_of(i)))
				i++;
			else
				ring_prod_wait(&p);
			continue;
		}
		uint32_t want = r->msgs - i < BATCH ? (uint32_t)(r->msgs - i) : BATCH;
		for (uint32_t k = 0; k < want; k++)
			buf[k] = value_of(i + k);
		uint32_t k = pushn(&p, &r->c, buf, want);
		if (k == 0)
			ring_prod_wait(&p);
		i += k;
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct run *r = arg;
	struct ring_cons q;
	uint64_t buf[BATCH];

	if (ring_attach_cons(&q, r->mem, r->len, NULL, &r->data, &r->space) != RING_OK)
		abort();
	q.spin = 64;
	for (uint64_t i = 0; i < r->msgs;) {
		uint32_t k;
		if (r->c.path == PATH_ONE) {
			k = pop1(&q, &r->c, &buf[0]) ? 1 : 0;
		} else {
			k = popn(&q, &r->c, buf, BATCH);
		}
		if (k == 0) {
			ring_cons_wait(&q);
			continue;
		}
		for (uint32_t j = 0; j < k; j++, i++) {
			if (i >= r->msgs) {
				r->failed = "more messages than were sent";
				r->at = i;
				return NULL;
			}
			if (buf[j] != value_of(i)) {
				r->failed = "a message lost, repeated, stale or torn";
				r->at = i;
				r->got = buf[j];
				return NULL;
			}
		}
	}
	return NULL;
}

static const char *current = "";

static void on_alarm(int sig)
{
	static const char msg[] = "fast64: FAIL (timeout: a lost wake-up or a hang) in ";
	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0 || write(2, current, strlen(current)) < 0 ||
	    write(2, "\n", 1) < 0)
		_exit(1);
	_exit(1);
}

static int run_one(const struct cfg *c, uint64_t msgs)
{
	static char name[96];
	struct ring_config rc = { c->variant, c->wake, CAP, 8 };
	struct run r = { .c = *c, .msgs = msgs };
	pthread_t t[2];

	snprintf(name, sizeof(name), "%s/%s %s", ring_variant_name(c->variant),
		 ring_wake_name(c->wake), c->path == PATH_ONE ? "push64/pop64" : "push_n64/pop_n64");
	current = name;
	r.len = ring_region_size(&rc);
	r.mem = aligned_alloc(4096, (r.len + 4095) / 4096 * 4096);
	if (r.mem == NULL || ring_init(r.mem, r.len, &rc) != RING_OK) {
		fprintf(stderr, "fast64: FAIL %s: cannot set up the ring\n", name);
		return 1;
	}
	ring_waker_futex(&r.data, ring_word(r.mem, r.len, RING_WORD_DATA));
	ring_waker_futex(&r.space, ring_word(r.mem, r.len, RING_WORD_SPACE));
	alarm(TIMEOUT_S);
	if (pthread_create(&t[0], NULL, consumer, &r) != 0 ||
	    pthread_create(&t[1], NULL, producer, &r) != 0) {
		fprintf(stderr, "fast64: FAIL %s: pthread_create\n", name);
		return 1;
	}
	pthread_join(t[1], NULL);
	pthread_join(t[0], NULL);
	alarm(0);
	free(r.mem);
	if (r.failed != NULL) {
		fprintf(stderr, "fast64: FAIL %s: message %llu: %s (got %#llx, want %#llx)\n", name,
			(unsigned long long)r.at, r.failed, (unsigned long long)r.got,
			(unsigned long long)value_of(r.at));
		return 1;
	}
	printf("ok   %-42s %llu messages\n", name, (unsigned long long)msgs);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t msgs = 200000;
	int failed = 0, n = 0;

	if (argc == 3 && strcmp(argv[1], "--msgs") == 0)
		msgs = strtoull(argv[2], NULL, 10);
	else if (argc != 1) {
		fprintf(stderr, "usage: fast64 [--msgs N]\n");
		return 2;
	}
	if (msgs == 0) {
		fprintf(stderr, "fast64: --msgs must be a positive number\n");
		return 2;
	}
	signal(SIGALRM, on_alarm);
	/* Every variant with an 8-byte path: push64/pop64 on CACHED, BATCHED
	 * and STAMPED; the batch forms on CACHED and BATCHED (STAMPED has
	 * none). */
	static const enum ring_variant one[] = { RING_CACHED, RING_BATCHED, RING_STAMPED };
	static const enum ring_variant batch[] = { RING_CACHED, RING_BATCHED };
	static const enum ring_wake wakes[] = { RING_WAKE_POLL, RING_WAKE_TRANSITION,
						RING_WAKE_ANNOUNCE };
	for (size_t w = 0; w < sizeof(wakes) / sizeof(wakes[0]); w++) {
		for (size_t v = 0; v < sizeof(one) / sizeof(one[0]); v++, n++)
			failed += run_one(&(struct cfg){ one[v], wakes[w], PATH_ONE }, msgs);
		for (size_t v = 0; v < sizeof(batch) / sizeof(batch[0]); v++, n++)
			failed += run_one(&(struct cfg){ batch[v], wakes[w], PATH_BATCH }, msgs);
	}
	printf("fast64: %d of %d configurations failed\n", failed, n);
	return failed ? 1 : 0;
}
