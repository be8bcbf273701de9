/*
 * The mechanisms measured by ping-pong: Linux's own IPC (pipe, FIFO, Unix
 * stream and datagram sockets, eventfd, futex, POSIX message queue). The
 * ring of ipc/ is a shared workload (workloads/common/wl_ring_pingpong.c).
 * See pingpong.h for the rules every transport follows.
 */
#define _GNU_SOURCE
#include "pingpong.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>


static size_t round_line(size_t n)
{
	return (n + RT_LINE - 1) / RT_LINE * RT_LINE;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- byte streams: whole messages over read/write --------------------------- */

static int write_all(struct pp *pp, int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rt_fail("%s: write: %s", pp->ops->name, w < 0 ? strerror(errno) : "wrote 0");
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(struct pp *pp, int fd, unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rt_fail("%s: read: %s", pp->ops->name, strerror(errno));
			return -1;
		}
		if (r == 0) {
			rt_fail("%s: the other side closed the channel", pp->ops->name);
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int stream_send(struct pp *pp, int side, const unsigned char *msg)
{
	(void)side;
	return write_all(pp, pp->tx, msg, pp->size);
}

static int stream_recv(struct pp *pp, int side, unsigned char *msg)
{
	(void)side;
	return read_all(pp, pp->rx, msg, pp->size);
}

static void fds_cleanup(struct pp *pp)
{
	for (size_t i = 0; i < sizeof(pp->fd) / sizeof(pp->fd[0]); i++)
		close_fd(&pp->fd[i]);
	close_fd(&pp->tx);
	close_fd(&pp->rx);
}

/* ---- pipe: two pipes, fd[0..1] the request's (read, write), fd[2..3] the reply's */

static int pipe_setup(struct pp *pp)
{
	if (pipe2(&pp->fd[0], O_CLOEXEC) != 0 || pipe2(&pp->fd[2], O_CLOEXEC) != 0) {
		rt_fail("pipe: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int pipe_attach(struct pp *pp, int side)
{
	/* side 0 writes the request and reads the reply; side 1 the opposite. */
	pp->tx = pp->fd[side == 0 ? 1 : 3];
	pp->rx = pp->fd[side == 0 ? 2 : 0];
	pp->fd[side == 0 ? 1 : 3] = pp->fd[side == 0 ? 2 : 0] = -1;
	for (int i = 0; i < 4; i++)
		close_fd(&pp->fd[i]);
	return 0;
}

const struct pp_ops pp_pipe = {
	.name = "pipe", .setup = pipe_setup, .attach = pipe_attach,
	.send = stream_send, .recv = stream_recv, .cleanup = fds_cleanup,
};

/* ---- fifo: two named pipes in a private directory ------------------------------ */

static int fifo_setup(struct pp *pp)
{
	snprintf(pp->dir, sizeof(pp->dir), "/tmp/ipclab-fifo-XXXXXX");
	if (mkdtemp(pp->dir) == NULL) {
		rt_fail("fifo: mkdtemp: %s", strerror(errno));
		pp->dir[0] = '\0';
		return -1;
	}
	for (int c = 0; c < 2; c++) {
		snprintf(pp->path[c], sizeof(pp->path[c]), "%s/%s", pp->dir, c == 0 ? "req" : "rep");
		if (mkfifo(pp->path[c], 0600) != 0) {
			rt_fail("fifo: mkfifo %s: %s", pp->path[c], strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void fifo_unlink(struct pp *pp)
{
	for (int c = 0; c < 2; c++)
		if (pp->path[c][0] != '\0')
			unlink(pp->path[c]);
	if (pp->dir[0] != '\0')
		rmdir(pp->dir);
	pp->path[0][0] = pp->path[1][0] = pp->dir[0] = '\0';
}

static int fifo_attach(struct pp *pp, int side)
{
	/* Both sides open the request FIFO first: an open blocks until the
	 * other end is opened, so the same order on both sides cannot deadlock. */
	if (side == 0) {
		pp->tx = open(pp->path[0], O_WRONLY | O_CLOEXEC);
		pp->rx = pp->tx < 0 ? -1 : open(pp->path[1], O_RDONLY | O_CLOEXEC);
	} else {
		pp->rx = open(pp->path[0], O_RDONLY | O_CLOEXEC);
		pp->tx = pp->rx < 0 ? -1 : open(pp->path[1], O_WRONLY | O_CLOEXEC);
	}
	if (pp->tx < 0 || pp->rx < 0) {
		rt_fail("fifo: open: %s", strerror(errno));
		return -1;
	}
	if (side == 0)
		fifo_unlink(pp); /* both ends of both are open: the names can go */
	return 0;
}

static void fifo_cleanup(struct pp *pp)
{
	fds_cleanup(pp);
	fifo_unlink(pp);
}

const struct pp_ops pp_fifo = {
	.name = "fifo", .setup = fifo_setup, .attach = fifo_attach,
	.send = stream_send, .recv = stream_recv, .cleanup = fifo_cleanup,
};

/* ---- Unix sockets: a socketpair, fd[0] the ping's end, fd[1] the pong's ------ */

static int socket_setup(struct pp *pp, int type)
{
	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, &pp->fd[0]) != 0) {
		rt_fail("%s: socketpair: %s", pp->ops->name, strerror(errno));
		return -1;
	}
	if (type == SOCK_DGRAM) {
		/* Room for a whole message in each direction. */
		int buf = (int)(pp->size * 4 + 4096);
		for (int i = 0; i < 2; i++) {
			setsockopt(pp->fd[i], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
			setsockopt(pp->fd[i], SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
		}
	}
	return 0;
}

static int stream_socket_setup(struct pp *pp)
{
	return socket_setup(pp, SOCK_STREAM);
}

static int dgram_socket_setup(struct pp *pp)
{
	return socket_setup(pp, SOCK_DGRAM);
}

static int socket_attach(struct pp *pp, int side)
{
	pp->tx = pp->rx = pp->fd[side];
	pp->fd[side] = -1;
	close_fd(&pp->fd[1 - side]);
	return 0;
}

static void socket_cleanup(struct pp *pp)
{
	if (pp->tx == pp->rx)
		pp->rx = -1;
	fds_cleanup(pp);
}

const struct pp_ops pp_unix_stream = {
	.name = "unix_stream", .setup = stream_socket_setup, .attach = socket_attach,
	.send = stream_send, .recv = stream_recv, .cleanup = socket_cleanup,
};

static int dgram_send(struct pp *pp, int side, const unsigned char *msg)
{
	ssize_t w;

	(void)side;
	do
		w = send(pp->tx, msg, pp->size, 0);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)pp->size) {
		rt_fail("unix_dgram: send: %s", w < 0 ? strerror(errno) : "short datagram");
		return -1;
	}
	return 0;
}

static int dgram_recv(struct pp *pp, int side, unsigned char *msg)
{
	ssize_t r;

	(void)side;
	do /* MSG_TRUNC: the datagram's real length, even when longer than size */
		r = recv(pp->rx, msg, pp->size, MSG_TRUNC);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		rt_fail("unix_dgram: recv: %s", strerror(errno));
		return -1;
	}
	if ((size_t)r != pp->size) {
		rt_fail("unix_dgram: a datagram of %zd bytes, expected %zu", r, pp->size);
		return -1;
	}
	return 0;
}

const struct pp_ops pp_unix_dgram = {
	.name = "unix_dgram", .setup = dgram_socket_setup, .attach = socket_attach,
	.send = dgram_send, .recv = dgram_recv, .cleanup = socket_cleanup,
};

/* ---- shared-memory messages: eventfd and futex notify, the area carries ------
 * Layout of the area: [word 0][word 1] each on its own line, then the two
 * message buffers (request, reply), each starting on a line. */

static size_t shm_area(size_t size)
{
	return 2 * RT_LINE + 2 * round_line(size);
}

static void shm_layout(struct pp *pp)
{
	unsigned char *a = pp->pair.area;

	pp->word[0] = (_Atomic uint32_t *)(void *)a;
	pp->word[1] = (_Atomic uint32_t *)(void *)(a + RT_LINE);
	pp->buf[0] = a + 2 * RT_LINE;
	pp->buf[1] = pp->buf[0] + round_line(pp->size);
}

/* eventfd: fd[0] signals the request, fd[1] the reply. */
static int eventfd_setup(struct pp *pp)
{
	shm_layout(pp);
	for (int c = 0; c < 2; c++) {
		pp->fd[c] = eventfd(0, EFD_CLOEXEC);
		if (pp->fd[c] < 0) {
			rt_fail("eventfd: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int eventfd_attach(struct pp *pp, int side)
{
	(void)pp;
	(void)side;
	return 0;
}

static int eventfd_send(struct pp *pp, int side, const unsigned char *msg)
{
	uint64_t one = 1;
	ssize_t w;

	memcpy(pp->buf[side], msg, pp->size);
	do /* the write is a full barrier: the copy is visible before the count */
		w = write(pp->fd[side], &one, sizeof(one));
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)sizeof(one)) {
		rt_fail("eventfd: write: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int eventfd_recv(struct pp *pp, int side, unsigned char *msg)
{
	uint64_t n = 0;
	ssize_t r;

	do
		r = read(pp->fd[1 - side], &n, sizeof(n));
	while (r < 0 && errno == EINTR);
	if (r != (ssize_t)sizeof(n)) {
		rt_fail("eventfd: read: %s", strerror(errno));
		return -1;
	}
	if (n != 1) {
		rt_fail("eventfd: read %llu signals at once, expected 1", (unsigned long long)n);
		return -1;
	}
	memcpy(msg, pp->buf[1 - side], pp->size);
	return 0;
}

const struct pp_ops pp_eventfd = {
	.name = "eventfd", .area = shm_area, .setup = eventfd_setup,
	.attach = eventfd_attach, .send = eventfd_send, .recv = eventfd_recv,
	.cleanup = fds_cleanup,
};

/* futex: word c counts the messages sent on channel c; the receiver sleeps on
 * it (FUTEX_WAIT, never spins) until it reaches the count it expects. */
static long futex(_Atomic uint32_t *w, int op, uint32_t val)
{
	return syscall(SYS_futex, (uint32_t *)w, op, val, NULL, NULL, 0);
}

static int futex_setup(struct pp *pp)
{
	shm_layout(pp);
	return 0;
}

static int futex_send(struct pp *pp, int side, const unsigned char *msg)
{
	memcpy(pp->buf[side], msg, pp->size);
	atomic_store_explicit(pp->word[side], ++pp->sent, memory_order_release);
	if (futex(pp->word[side], FUTEX_WAKE, 1) < 0) {
		rt_fail("futex: FUTEX_WAKE: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int futex_recv(struct pp *pp, int side, unsigned char *msg)
{
	_Atomic uint32_t *w = pp->word[1 - side];
	uint32_t want = ++pp->received, v;

	while ((v = atomic_load_explicit(w, memory_order_acquire)) != want) {
		if (v != want - 1) {
			rt_fail("futex: the count is %u, expected %u or %u (lost or extra message)",
				v, want - 1, want);
			return -1;
		}
		if (futex(w, FUTEX_WAIT, v) < 0 && errno != EAGAIN && errno != EINTR) {
			rt_fail("futex: FUTEX_WAIT: %s", strerror(errno));
			return -1;
		}
	}
	memcpy(msg, pp->buf[1 - side], pp->size);
	return 0;
}

const struct pp_ops pp_futex = {
	.name = "futex", .area = shm_area, .setup = futex_setup,
	.attach = eventfd_attach, .send = futex_send, .recv = futex_recv,
};

/* ---- POSIX message queues: mq[0] the request's, mq[1] the reply's ------------- */

static int mq_setup(struct pp *pp)
{
	struct mq_attr attr;
	char name[64];

	memset(&attr, 0, sizeof(attr));
	attr.mq_maxmsg = 1;
	attr.mq_msgsize = (long)pp->size;
	for (int c = 0; c < 2; c++) {
		snprintf(name, sizeof(name), "/ipclab-%d-%d", (int)getpid(), c);
		pp->mq[c] = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
		if (pp->mq[c] == (mqd_t)-1) {
			rt_fail("mq: mq_open %s: %s", name, strerror(errno));
			return -1;
		}
		mq_unlink(name); /* the descriptors (inherited by fork) keep it */
	}
	return 0;
}

static int mq_send_msg(struct pp *pp, int side, const unsigned char *msg)
{
	int r;

	do
		r = mq_send(pp->mq[side], (const char *)msg, pp->size, 0);
	while (r < 0 && errno == EINTR);
	if (r != 0) {
		rt_fail("mq: mq_send: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int mq_recv_msg(struct pp *pp, int side, unsigned char *msg)
{
	ssize_t r;

	do
		r = mq_receive(pp->mq[1 - side], (char *)msg, pp->size, NULL);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		rt_fail("mq: mq_receive: %s", strerror(errno));
		return -1;
	}
	if ((size_t)r != pp->size) {
		rt_fail("mq: a message of %zd bytes, expected %zu", r, pp->size);
		return -1;
	}
	return 0;
}

static void mq_cleanup(struct pp *pp)
{
	for (int c = 0; c < 2; c++)
		if (pp->mq[c] != (mqd_t)-1)
			mq_close(pp->mq[c]);
	pp->mq[0] = pp->mq[1] = (mqd_t)-1;
}

const struct pp_ops pp_mq = {
	.name = "mq", .setup = mq_setup, .attach = eventfd_attach,
	.send = mq_send_msg, .recv = mq_recv_msg, .cleanup = mq_cleanup,
};
