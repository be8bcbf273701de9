/*
 * The seed note's demonstration, end to end: a sender and a receiver in
 * separate address spaces share one frame, mapped at different addresses,
 * holding a ring of ipc/; two notifications say "data available" and
 * "space available".  Each task gets only the capabilities it needs: the
 * sender may signal data and wait for space, the receiver the reverse.
 * The sender pushes the note's five messages, then enough numbered ones to
 * wrap the ring several times, blocking when it is full; the receiver
 * blocks when it is empty, checks every message's order and prints the five.
 */
#include "ring.h"
#include "root.h"
#include "lib/fmt.h"

#define DEMO_SLOTS      8                           /* ring capacity: wraps often */
#define DEMO_NUMBERED   (DEMO_SLOTS * 6)
#define DEMO_TOTAL      (5 + DEMO_NUMBERED)
#define ROOT_VA         (USER_MAP_BASE + 0x100000)
#define SENDER_VA       (USER_MAP_BASE + 0x200000)
#define RECEIVER_VA     (USER_MAP_BASE + 0x700000)
#define DEMO_PAGES      4

/* Slots in the sender's and the receiver's cspaces. */
#define S_DATA   10   /* sender: signal only */
#define S_SPACE  11   /* sender: wait only */
#define R_DATA   10   /* receiver: wait only */
#define R_SPACE  11   /* receiver: signal only */

struct demo_msg {
	uint32_t seq;
	char text[60];
};

static const char *const note_messages[5] = {
	"Hello from sender!", "Message #2", "Message #3",
	"Testing shared memory IPC", "Zero-copy bulk transfer",
};

static const struct ring_config demo_cfg = {
	.variant = RING_CACHED, .wake = RING_WAKE_ANNOUNCE,
	.capacity = DEMO_SLOTS, .slot_size = sizeof(struct demo_msg),
};

static void ntfn_signal_cb(void *ctx) { sys_signal((uint64_t)(uintptr_t)ctx, 1); }
static void ntfn_wait_cb(void *ctx) { sys_wait((uint64_t)(uintptr_t)ctx); }

static void demo_sender(uint64_t va)
{
	struct ring_waker data = { ntfn_signal_cb, NULL, (void *)(uintptr_t)S_DATA };
	struct ring_waker space = { NULL, ntfn_wait_cb, (void *)(uintptr_t)S_SPACE };
	struct ring_prod p;
	int e = ring_attach_prod(&p, (void *)(uintptr_t)va, DEMO_PAGES * PAGE_SIZE, &demo_cfg, &data, &space);
	if (e) {
		uprintf("sender: attach failed: %s\n", ring_strerror(e));
		sys_exit(1);
	}
	for (uint32_t i = 0; i < DEMO_TOTAL; i++) {
		struct demo_msg m = { .seq = i };
		if (i < 5)
			memcpy(m.text, note_messages[i], strlen(note_messages[i]) + 1);
		else
			fmt_snprintf(m.text, sizeof m.text, "numbered message %u", i - 4);
		ring_push_wait(&p, &m);
	}
	uprintf("sender: pushed %u messages through a ring of %u slots\n", DEMO_TOTAL, DEMO_SLOTS);
	sys_exit(0);
}

static void demo_receiver(uint64_t va)
{
	struct ring_waker data = { NULL, ntfn_wait_cb, (void *)(uintptr_t)R_DATA };
	struct ring_waker space = { ntfn_signal_cb, NULL, (void *)(uintptr_t)R_SPACE };
	struct ring_cons c;
	int e = ring_attach_cons(&c, (void *)(uintptr_t)va, DEMO_PAGES * PAGE_SIZE, &demo_cfg, &data, &space);
	if (e) {
		uprintf("receiver: attach failed: %s\n", ring_strerror(e));
		sys_exit(1);
	}
	for (uint32_t i = 0; i < DEMO_TOTAL; i++) {
		struct demo_msg m;
		ring_pop_wait(&c, &m);
		m.text[sizeof m.text - 1] = '\0';
		if (m.seq != i) {
			uprintf("receiver: message %u arrived as #%u: out of order\n", i, m.seq);
			sys_exit(1);
		}
		if (i < 5) {
			if (strcmp(m.text, note_messages[i]) != 0) {
				uprintf("receiver: message %u is '%s', expected '%s'\n", i, m.text, note_messages[i]);
				sys_exit(1);
			}
			uprintf("receiver: got \"%s\"\n", m.text);
		}
	}
	uprintf("receiver: all %u messages arrived, in order\n", DEMO_TOTAL);
	sys_exit(0);
}

static int check(int64_t err, const char *what)
{
	if (err)
		uprintf("demo: %s failed: %s\n", what, uerrname(err));
	return err != 0;
}

enum ipclab_exit run_demo(const struct bootinfo *bi)
{
	uint64_t s = bi->first_free_slot;
	uint64_t frame = s++, data = s++, space = s++, done = s++, snd = s++, rcv = s++;
	uprintf("demo: a sender and a receiver in two address spaces, one shared ring\n");
	if (check(sys_create(ROOT_SLOT_CTRL, CAP_FRAME, frame, DEMO_PAGES), "frame") ||
	    check(sys_create(ROOT_SLOT_CTRL, CAP_NTFN, data, 0), "notification") ||
	    check(sys_create(ROOT_SLOT_CTRL, CAP_NTFN, space, 0), "notification") ||
	    check(sys_create(ROOT_SLOT_CTRL, CAP_NTFN, done, 0), "notification"))
		return IPCLAB_EXIT_FAILED;
	/* The root lays the ring out, then lets go of the memory. */
	if (check(sys_map(frame, ROOT_SLOT_TASK, ROOT_VA, RIGHT_READ | RIGHT_WRITE), "map (root)"))
		return IPCLAB_EXIT_FAILED;
	int e = ring_init((void *)(uintptr_t)ROOT_VA, DEMO_PAGES * PAGE_SIZE, &demo_cfg);
	if (e) {
		uprintf("demo: ring_init: %s\n", ring_strerror(e));
		return IPCLAB_EXIT_FAILED;
	}
	if (check(sys_unmap(frame, ROOT_SLOT_TASK), "unmap (root)") ||
	    check(sys_task_create(ROOT_SLOT_CTRL, snd, demo_sender, SENDER_VA, 100, "sender"), "sender") ||
	    check(sys_task_create(ROOT_SLOT_CTRL, rcv, demo_receiver, RECEIVER_VA, 100, "receiver"), "receiver") ||
	    check(sys_map(frame, snd, SENDER_VA, RIGHT_READ | RIGHT_WRITE), "map (sender)") ||
	    check(sys_map(frame, rcv, RECEIVER_VA, RIGHT_READ | RIGHT_WRITE), "map (receiver)") ||
	    check(sys_cap_copy(snd, data, S_DATA, RIGHT_WRITE, 0), "give data (sender)") ||
	    check(sys_cap_copy(snd, space, S_SPACE, RIGHT_READ, 0), "give space (sender)") ||
	    check(sys_cap_copy(rcv, data, R_DATA, RIGHT_READ, 0), "give data (receiver)") ||
	    check(sys_cap_copy(rcv, space, R_SPACE, RIGHT_WRITE, 0), "give space (receiver)") ||
	    check(sys_bound_ntfn(snd, done, 1), "bind (sender)") ||
	    check(sys_bound_ntfn(rcv, done, 2), "bind (receiver)") ||
	    check(sys_start(rcv), "start receiver") || check(sys_start(snd), "start sender"))
		return IPCLAB_EXIT_FAILED;
	uint64_t ended = 0;
	while (ended != 3)
		ended |= sys_wait(done).v;
	uint64_t ss = sys_status(snd).v, rs = sys_status(rcv).v;
	bool ok = ss == TS_EXITED && rs == TS_EXITED;   /* exited, with code 0 */
	uprintf("demo: sender %s, receiver %s: %s\n", ss == TS_EXITED ? "exited 0" : "failed",
	        rs == TS_EXITED ? "exited 0" : "failed", ok ? "PASS" : "FAIL");
	return ok ? IPCLAB_EXIT_OK : IPCLAB_EXIT_FAILED;
}
