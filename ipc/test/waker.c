/*
 * waker.c: the Linux wakers keep the struct ring_waker contract (a signal
 * before the wait is not lost; signals coalesce; wait blocks until a
 * signal), and the cache-line ping-pong completes its rounds.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "../linux/ring_linux.h"

static int failures;

#define CHECK(cond, what)                                                          \
	do {                                                                       \
		if (!(cond)) {                                                     \
			failures++;                                                \
			fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n", __FILE__, \
				__LINE__, what, #cond);                            \
		}                                                                  \
	} while (0)

struct waiter {
	struct ring_waker *w;
	_Atomic int returned;
};

static void *wait_thread(void *arg)
{
	struct waiter *x = arg;
	x->w->wait(x->w->ctx);
	atomic_store(&x->returned, 1);
	return NULL;
}

static void pause_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000 };
	nanosleep(&ts, NULL);
}

static void contract(struct ring_waker *w, const char *name)
{
	/* A signal before the wait is not lost (this would hang otherwise:
	 * the alarm below turns that into a failure). */
	w->signal(w->ctx);
	w->wait(w->ctx);
	/* Signals coalesce: three signals, one wait consumes them all, and the
	 * next wait blocks until the next signal. */
	w->signal(w->ctx);
	w->signal(w->ctx);
	w->signal(w->ctx);
	w->wait(w->ctx);
	struct waiter x = { w, 0 };
	pthread_t t;
	pthread_create(&t, NULL, wait_thread, &x);
	pause_ms(50);
	CHECK(atomic_load(&x.returned) == 0, name);   /* still blocked: nothing pending */
	w->signal(w->ctx);
	pthread_join(t, NULL);
	CHECK(atomic_load(&x.returned) == 1, name);
}

struct pp {
	_Atomic uint64_t *line;
	uint64_t rounds;
};

static void *pong_thread(void *arg)
{
	struct pp *p = arg;
	ipc_cacheline_pong(p->line, p->rounds);
	return NULL;
}

int main(void)
{
	alarm(60);
	static _Atomic uint32_t word;
	struct ring_waker fw, ew;
	ring_waker_futex(&fw, &word);
	contract(&fw, "futex");
	int efd = ring_eventfd_open();
	CHECK(efd >= 0, "eventfd");
	ring_waker_eventfd(&ew, efd);
	contract(&ew, "eventfd");
	close(efd);

	static _Alignas(128) _Atomic uint64_t line;
	struct pp p = { &line, 10000 };
	pthread_t t;
	pthread_create(&t, NULL, pong_thread, &p);
	for (int i = 0; i < 10000; i++)
		ipc_cacheline_ping(&line, 1);   /* one round per call, as a runner does */
	pthread_join(t, NULL);
	CHECK(atomic_load(&line) == 20000, "cache-line ping-pong");

	if (failures) {
		fprintf(stderr, "ipc waker: %d checks FAILED\n", failures);
		return 1;
	}
	printf("ipc waker: futex and eventfd wakers keep the contract; ping-pong ok\n");
	return 0;
}
