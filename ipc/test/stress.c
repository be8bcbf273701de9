/*
 * stress.c: rings under real concurrency, on threads and across processes
 * (fork + a shared mapping), for every variant and wake-up protocol.
 *
 * In process mode every process maps the ring (a memfd) at an address of
 * its own.  Every message carries its producer and a sequence number in every 8-byte
 * word (mixed differently per word), so the consumer detects a lost,
 * duplicated, reordered or torn message.  MPMC: 4 producers, 4 consumers,
 * every message delivered exactly once (a shared tally) and each producer's
 * messages seen in increasing order by each consumer.
 * A watchdog turns a hang (a lost wake-up, a deadlock) into a failure.
 *
 *   stress --all [--mode thread|process|both] [--msgs N]   the matrix
 *   stress --variant V --wake W [--waker futex|eventfd] [--mode M] [--msgs N]
 *          [--slot S] [--cap C]                           one configuration
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../linux/ring_linux.h"

enum waker_kind { WAKER_NONE, WAKER_FUTEX, WAKER_EVENTFD };
static const char *const waker_names[] = { "none", "futex", "eventfd" };

struct shared {
	_Atomic uint64_t consumed;   /* MPMC: messages taken so far */
	_Atomic uint8_t seen[];      /* MPMC: times message (producer, seq) was taken */
};

struct job {
	enum ring_variant variant;
	enum ring_wake wake;
	enum waker_kind waker;
	bool processes;
	uint32_t slot, cap;
	uint64_t msgs;               /* per producer */
	int nprod, ncons;
	void *ring;
	size_t ring_len;
	int ring_fd;
	int efd_data, efd_space;
	struct shared *sh;
	char name[128];
};

#define MAX_ROLES 8
#define SEQ_BITS 48
#define SEQ_MASK ((1ull << SEQ_BITS) - 1)

static const char *current_config = "";

/* Fail fast: print, and end the process (the whole test in thread mode;
 * in process mode the parent sees the status and stops the others). */
__attribute__((noreturn, format(printf, 2, 3)))
static void fail(const struct job *j, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "FAIL %s: %s\n", j->name, msg);
	_exit(1);
}

static uint64_t word_of(uint64_t tag, uint32_t w)
{
	return w == 0 ? tag : tag * 0x9e3779b97f4a7c15ull + w;
}

static void fill(unsigned char *dst, uint32_t slot, uint64_t tag)
{
	for (uint32_t w = 0; w < slot / 8; w++) {
		uint64_t v = word_of(tag, w);
		memcpy(dst + 8 * w, &v, 8);
	}
}

/* Check a message's words agree with its first; return its tag. */
static uint64_t check_msg(const struct job *j, const unsigned char *src)
{
	uint64_t tag;
	memcpy(&tag, src, 8);
	for (uint32_t w = 1; w < j->slot / 8; w++) {
		uint64_t v;
		memcpy(&v, src + 8 * w, 8);
		if (v != word_of(tag, w))
			fail(j, "torn message: tag %#llx, word %u is %#llx",
			      (unsigned long long)tag, w, (unsigned long long)v);
	}
	if ((int)(tag >> SEQ_BITS) >= j->nprod || (tag & SEQ_MASK) >= j->msgs)
		fail(j, "garbage message tag %#llx", (unsigned long long)tag);
	return tag;
}

static void make_wakers(const struct job *j, struct ring_waker *data, struct ring_waker *space)
{
	switch (j->waker) {
	case WAKER_FUTEX:
		ring_waker_futex(data, ring_word(j->ring, j->ring_len, RING_WORD_DATA));
		ring_waker_futex(space, ring_word(j->ring, j->ring_len, RING_WORD_SPACE));
		break;
	case WAKER_EVENTFD:
		ring_waker_eventfd(data, j->efd_data);
		ring_waker_eventfd(space, j->efd_space);
		break;
	default:
		*data = *space = (struct ring_waker){ 0 };
		break;
	}
}

/* Polling on a shared, possibly oversubscribed machine: spin, and now and
 * then give the CPU away so the other side can run. */
static void poll_pause(uint32_t *spins)
{
	if (++*spins % 256 == 0)
		sched_yield();
	else
		ring_cpu_relax();
}

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void producer(const struct job *j, int id)
{
	struct ring_waker data, space;
	struct ring_prod p;
	make_wakers(j, &data, &space);
	struct ring_config cfg = { j->variant, j->wake, j->cap, j->slot };
	int err = ring_attach_prod(&p, j->ring, j->ring_len, &cfg, &data, &space);
	if (err != RING_OK)
		fail(j, "producer attach: %s", ring_strerror(err));
	uint64_t rng = 0x12345678u + (uint64_t)id * 7919u, base = (uint64_t)id << SEQ_BITS;
	uint32_t spins = 0;
	unsigned char buf[RING_SLOT_MAX];
	for (uint64_t seq = 0; seq < j->msgs;) {
		uint64_t r = xorshift(&rng);
		uint32_t done = 0;
		if (j->variant == RING_BATCHED || (j->variant == RING_STAMPED && (r & 2))) {
			uint64_t want = 1 + r % 32;
			if (want > j->msgs - seq)
				want = j->msgs - seq;
			void *first;
			done = ring_reserve_n(&p, (uint32_t)want, &first);
			for (uint32_t i = 0; i < done; i++)
				fill((unsigned char *)first + (size_t)i * p.stride, j->slot, base | (seq + i));
			if (done)
				ring_commit_n(&p, done);
		} else if (r & 1) {
			unsigned char *s = ring_reserve(&p);
			if (s) {
				fill(s, j->slot, base | seq);
				ring_commit(&p);
				done = 1;
			}
		} else {
			fill(buf, j->slot, base | seq);
			done = ring_push(&p, buf) == RING_OK;
		}
		if (done)
			seq += done;
		else if (j->wake == RING_WAKE_POLL || j->variant == RING_MPSC)
			poll_pause(&spins);
		else
			ring_prod_wait(&p);
	}
}

/* Single consumer (NAIVE, CACHED, BATCHED, MPSC): each producer's messages
 * must arrive exactly in order. */
static void consumer_single(const struct job *j)
{
	struct ring_waker data, space;
	struct ring_cons c;
	make_wakers(j, &data, &space);
	struct ring_config cfg = { j->variant, j->wake, j->cap, j->slot };
	int err = ring_attach_cons(&c, j->ring, j->ring_len, &cfg, &data, &space);
	if (err != RING_OK)
		fail(j, "consumer attach: %s", ring_strerror(err));
	uint64_t next[MAX_ROLES] = { 0 }, total = j->msgs * (uint64_t)j->nprod, got = 0;
	uint64_t rng = 0x9876543u;
	uint32_t spins = 0;
	unsigned char buf[RING_SLOT_MAX];
	while (got < total) {
		const unsigned char *first = NULL;
		uint32_t n = 0;
		uint64_t r = xorshift(&rng);
		bool copied = false;
		bool batch = j->variant == RING_BATCHED || (j->variant == RING_STAMPED && (r & 2));
		if (batch) {
			const void *f;
			n = ring_peek_n(&c, (uint32_t)(1 + r % 32), &f);
			first = f;
		} else if (r & 1) {
			first = ring_peek(&c);
			n = first != NULL;
		} else if (ring_pop(&c, buf) == RING_OK) {
			first = buf;
			n = 1;
			copied = true;
		}
		if (n == 0) {
			if (j->wake == RING_WAKE_POLL)
				poll_pause(&spins);
			else
				ring_cons_wait(&c);
			continue;
		}
		for (uint32_t i = 0; i < n; i++) {
			uint64_t tag = check_msg(j, first + (size_t)i * (copied ? 0 : c.stride));
			int pid = (int)(tag >> SEQ_BITS);
			uint64_t seq = tag & SEQ_MASK;
			if (seq != next[pid])
				fail(j, "producer %d: got seq %llu, expected %llu (%s)", pid,
				     (unsigned long long)seq, (unsigned long long)next[pid],
				     seq < next[pid] ? "duplicate or reordered" : "lost or reordered");
			next[pid]++;
		}
		if (batch)
			ring_release_n(&c, n);
		else if (!copied)
			ring_release(&c);
		got += n;
	}
	if (ring_peek(&c) != NULL)
		fail(j, "a message beyond the %llu sent", (unsigned long long)total);
}

/* MPMC consumers: exactly once overall (the tally), in producer order per
 * consumer. */
static void consumer_multi(const struct job *j)
{
	struct ring_cons c;
	struct ring_config cfg = { j->variant, j->wake, j->cap, j->slot };
	int err = ring_attach_cons(&c, j->ring, j->ring_len, &cfg, NULL, NULL);
	if (err != RING_OK)
		fail(j, "consumer attach: %s", ring_strerror(err));
	int64_t last[MAX_ROLES];
	for (int i = 0; i < MAX_ROLES; i++)
		last[i] = -1;
	uint64_t total = j->msgs * (uint64_t)j->nprod;
	uint32_t spins = 0;
	while (atomic_load_explicit(&j->sh->consumed, memory_order_relaxed) < total) {
		const unsigned char *m = ring_peek(&c);
		if (!m) {
			poll_pause(&spins);
			continue;
		}
		uint64_t tag = check_msg(j, m);
		ring_release(&c);
		int pid = (int)(tag >> SEQ_BITS);
		int64_t seq = (int64_t)(tag & SEQ_MASK);
		if (seq <= last[pid])
			fail(j, "producer %d: seq %lld after %lld at one consumer", pid,
			     (long long)seq, (long long)last[pid]);
		last[pid] = seq;
		if (atomic_fetch_add(&j->sh->seen[(uint64_t)pid * j->msgs + (uint64_t)seq], 1) != 0)
			fail(j, "producer %d seq %lld delivered twice", pid, (long long)seq);
		atomic_fetch_add(&j->sh->consumed, 1);
	}
}

/* ---- running one configuration ---------------------------------------------- */

struct role {
	const struct job *j;
	int id;          /* producers 0..nprod-1; consumers nprod.. */
};

static void run_role(const struct job *j, int id)
{
	if (id < j->nprod)
		producer(j, id);
	else if (j->variant == RING_MPMC)
		consumer_multi(j);
	else
		consumer_single(j);
}

static void *role_thread(void *arg)
{
	struct role *r = arg;
	run_role(r->j, r->id);
	return NULL;
}

static void *map_shared(size_t len)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return m;
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "FAIL (timeout: a lost wake-up or a deadlock) in ";
	if (write(2, msg, sizeof msg - 1) < 0 || write(2, current_config, strlen(current_config)) < 0 ||
	    write(2, "\n", 1) < 0)
		_exit(3);
	kill(0, SIGKILL);
	_exit(3);
}

static int run_job(struct job *j, unsigned timeout)
{
	struct ring_config cfg = { j->variant, j->wake, j->cap, j->slot };
	snprintf(j->name, sizeof j->name, "%s/%s/%s %s slot=%u cap=%u %dP%dC msgs=%llu",
		 ring_variant_name(j->variant), ring_wake_name(j->wake), waker_names[j->waker],
		 j->processes ? "process" : "thread", j->slot, j->cap, j->nprod, j->ncons,
		 (unsigned long long)(j->msgs * (uint64_t)j->nprod));
	current_config = j->name;
	j->ring_len = ring_region_size(&cfg);
	if (j->ring_len == 0) {
		fprintf(stderr, "FAIL %s: invalid configuration\n", j->name);
		return 1;
	}
	/* The ring lives in a memfd; in process mode each child maps it again
	 * at an address of its own, so the two sides really see the ring at
	 * different virtual addresses (the layout holds offsets only). */
	j->ring_fd = memfd_create("ipc-stress-ring", MFD_CLOEXEC);
	if (j->ring_fd < 0 || ftruncate(j->ring_fd, (off_t)j->ring_len) != 0) {
		perror("memfd");
		exit(2);
	}
	j->ring = mmap(NULL, j->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, j->ring_fd, 0);
	if (j->ring == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	int err = ring_init(j->ring, j->ring_len, &cfg);
	if (err != RING_OK) {
		fprintf(stderr, "FAIL %s: init: %s\n", j->name, ring_strerror(err));
		return 1;
	}
	size_t sh_len = sizeof(struct shared) +
			(j->variant == RING_MPMC ? j->msgs * (uint64_t)j->nprod : 0);
	j->sh = map_shared(sh_len);
	j->efd_data = j->efd_space = -1;
	if (j->waker == WAKER_EVENTFD) {
		j->efd_data = ring_eventfd_open();
		j->efd_space = ring_eventfd_open();
		if (j->efd_data < 0 || j->efd_space < 0) {
			perror("eventfd");
			exit(2);
		}
	}

	uint64_t t0 = ipc_now_ns();
	alarm(timeout);
	int nroles = j->nprod + j->ncons, status = 0;
	if (j->processes) {
		pid_t pids[MAX_ROLES * 2];
		pid_t parent = getpid();
		for (int i = 0; i < nroles; i++) {
			pids[i] = fork();
			if (pids[i] < 0) {
				perror("fork");
				exit(2);
			}
			if (pids[i] == 0) {
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				if (getppid() != parent)
					_exit(1);
				struct job mine = *j;
				mine.ring = mmap(NULL, j->ring_len, PROT_READ | PROT_WRITE,
						 MAP_SHARED, j->ring_fd, 0);
				if (mine.ring == MAP_FAILED || mine.ring == j->ring)
					fail(j, "could not map the ring at an address of its own");
				run_role(&mine, i);
				_exit(0);
			}
		}
		for (int left = nroles; left > 0; left--) {
			int ws;
			pid_t who = wait(&ws);
			if (who < 0)
				break;
			if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
				status = 1;
				for (int i = 0; i < nroles; i++)
					kill(pids[i], SIGKILL);
			}
		}
	} else {
		pthread_t th[MAX_ROLES * 2];
		struct role roles[MAX_ROLES * 2];
		for (int i = 0; i < nroles; i++) {
			roles[i] = (struct role){ j, i };
			if (pthread_create(&th[i], NULL, role_thread, &roles[i]) != 0) {
				perror("pthread_create");
				exit(2);
			}
		}
		for (int i = 0; i < nroles; i++)
			pthread_join(th[i], NULL);
	}
	alarm(0);
	uint64_t t1 = ipc_now_ns();

	if (status == 0 && j->variant == RING_MPMC) {
		uint64_t n = j->msgs * (uint64_t)j->nprod;
		for (uint64_t i = 0; i < n; i++) {
			if (atomic_load(&j->sh->seen[i]) != 1) {
				fprintf(stderr, "FAIL %s: producer %llu seq %llu taken %u times\n",
					j->name, (unsigned long long)(i / j->msgs),
					(unsigned long long)(i % j->msgs), atomic_load(&j->sh->seen[i]));
				status = 1;
				break;
			}
		}
	}
	if (status == 0)
		printf("ok   %-62s %6.2f s\n", j->name, (double)(t1 - t0) / 1e9);
	else
		fprintf(stderr, "FAIL %s\n", j->name);
	fflush(stdout);
	if (j->efd_data >= 0)
		close(j->efd_data), close(j->efd_space);
	munmap(j->ring, j->ring_len);
	close(j->ring_fd);
	munmap(j->sh, sh_len);
	return status;
}

/* ---- the matrix and the command line ---------------------------------------- */

static int parse_enum(const char *s, const char *(*name)(int), int lo, int hi)
{
	for (int i = lo; i < hi; i++)
		if (strcmp(s, name(i)) == 0)
			return i;
	return -1;
}

static const char *variant_name_i(int v) { return ring_variant_name((enum ring_variant)v); }
static const char *wake_name_i(int w) { return ring_wake_name((enum ring_wake)w); }

static void usage(void)
{
	fprintf(stderr,
		"usage: stress --all [--mode thread|process|both] [--msgs N] [--timeout S]\n"
		"       stress --variant naive|cached|batched|stamped|mpsc|mpmc --wake poll|every|transition|announce\n"
		"              [--waker futex|eventfd] [--mode thread|process] [--msgs N] [--slot S] [--cap C]\n"
		"--msgs is the total per configuration (split among producers).\n");
	exit(2);
}

int main(int argc, char **argv)
{
	bool all = false, threads = true, procs = false;
	uint64_t msgs = 100000;
	unsigned timeout = 600;
	struct job one = { .variant = RING_CACHED, .wake = RING_WAKE_POLL, .waker = WAKER_FUTEX,
			   .slot = 8, .cap = 64 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--all") == 0) {
			all = true;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (strcmp(a, "--mode") == 0) {
			threads = strcmp(v, "thread") == 0 || strcmp(v, "both") == 0;
			procs = strcmp(v, "process") == 0 || strcmp(v, "both") == 0;
			if (!threads && !procs)
				usage();
		} else if (strcmp(a, "--msgs") == 0) {
			msgs = strtoull(v, NULL, 10);
		} else if (strcmp(a, "--timeout") == 0) {
			timeout = (unsigned)strtoul(v, NULL, 10);
		} else if (strcmp(a, "--variant") == 0) {
			int x = parse_enum(v, variant_name_i, RING_NAIVE, RING_VARIANT_END);
			if (x < 0)
				usage();
			one.variant = (enum ring_variant)x;
		} else if (strcmp(a, "--wake") == 0) {
			int x = parse_enum(v, wake_name_i, RING_WAKE_POLL, RING_WAKE_END);
			if (x < 0)
				usage();
			one.wake = (enum ring_wake)x;
		} else if (strcmp(a, "--waker") == 0) {
			one.waker = strcmp(v, "eventfd") == 0 ? WAKER_EVENTFD : WAKER_FUTEX;
		} else if (strcmp(a, "--slot") == 0) {
			one.slot = (uint32_t)strtoul(v, NULL, 10);
		} else if (strcmp(a, "--cap") == 0) {
			one.cap = (uint32_t)strtoul(v, NULL, 10);
		} else {
			usage();
		}
	}
	if (msgs < 8 || msgs > SEQ_MASK)
		usage();
	signal(SIGALRM, on_alarm);
	setvbuf(stdout, NULL, _IOLBF, 0);

	int failed = 0, ran = 0;
	for (int mode = 0; mode < 2; mode++) {
		if ((mode == 0 && !threads) || (mode == 1 && !procs))
			continue;
		if (!all) {
			struct job j = one;
			j.processes = mode == 1;
			j.nprod = j.variant == RING_MPMC ? 4 : j.variant == RING_MPSC ? 3 : 1;
			j.ncons = j.variant == RING_MPMC ? 4 : 1;
			j.msgs = msgs / (uint64_t)j.nprod;
			if (j.wake == RING_WAKE_POLL)
				j.waker = WAKER_NONE;
			failed += run_job(&j, timeout);
			ran++;
			continue;
		}
		for (int v = RING_NAIVE; v < RING_VARIANT_END; v++) {
			for (int w = RING_WAKE_POLL; w < RING_WAKE_END; w++) {
				for (int k = WAKER_FUTEX; k <= WAKER_EVENTFD; k++) {
					if (w == RING_WAKE_POLL && k != WAKER_FUTEX)
						continue;
					if (v == RING_MPMC && w != RING_WAKE_POLL)
						continue;  /* MPMC only polls (see ring_config_check) */
					struct job j = {
						.variant = (enum ring_variant)v,
						.wake = (enum ring_wake)w,
						.waker = w == RING_WAKE_POLL ? WAKER_NONE : (enum waker_kind)k,
						.processes = mode == 1,
						/* threads: 8-byte messages; processes: 17 words,
						 * so tearing across words can show */
						.slot = mode == 0 ? 8 : 136,
						.cap = 64,
						.nprod = v == RING_MPMC ? 4 : v == RING_MPSC ? 3 : 1,
						.ncons = v == RING_MPMC ? 4 : 1,
					};
					j.msgs = msgs / (uint64_t)j.nprod;
					failed += run_job(&j, timeout);
					ran++;
				}
			}
		}
	}
	if (failed) {
		fprintf(stderr, "ipc stress: %d of %d configurations FAILED\n", failed, ran);
		return 1;
	}
	printf("ipc stress: %d configurations passed\n", ran);
	return 0;
}
