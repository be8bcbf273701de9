/*
 * waker.c: struct ring_waker on Linux, by futex and by eventfd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ring_linux.h"

static long futex(_Atomic uint32_t *uaddr, int op, uint32_t val)
{
	return syscall(SYS_futex, (uint32_t *)uaddr, op, val, NULL, NULL, 0);
}

/* Pending is 1.  Only the signal that makes it pending needs to wake: a
 * waiter sleeps only while the word is 0 (FUTEX_WAIT re-checks atomically). */
static void futex_signal(void *ctx)
{
	_Atomic uint32_t *word = ctx;
	if (atomic_exchange_explicit(word, 1, memory_order_acq_rel) == 0)
		futex(word, FUTEX_WAKE, 1);
}

static void futex_wait(void *ctx)
{
	_Atomic uint32_t *word = ctx;
	while (atomic_exchange_explicit(word, 0, memory_order_acq_rel) == 0)
		futex(word, FUTEX_WAIT, 0);   /* EAGAIN, EINTR: just look again */
}

void ring_waker_futex(struct ring_waker *w, _Atomic uint32_t *word)
{
	w->signal = futex_signal;
	w->wait = futex_wait;
	w->ctx = (void *)word;
}

static void eventfd_signal(void *ctx)
{
	uint64_t one = 1;
	int fd = (int)(intptr_t)ctx;
	while (write(fd, &one, sizeof one) < 0 && errno == EINTR)
		;
}

static void eventfd_wait(void *ctx)
{
	uint64_t count;
	int fd = (int)(intptr_t)ctx;
	while (read(fd, &count, sizeof count) < 0 && errno == EINTR)
		;
}

void ring_waker_eventfd(struct ring_waker *w, int efd)
{
	w->signal = eventfd_signal;
	w->wait = eventfd_wait;
	w->ctx = (void *)(intptr_t)efd;
}

int ring_eventfd_open(void)
{
	return eventfd(0, EFD_CLOEXEC);
}
