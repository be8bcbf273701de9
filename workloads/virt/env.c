#include "virt.h"
#include "lib/fmt.h"

struct stream wl_out;
int64_t wl_samples[MAX_SAMPLES];

static uint64_t next_slot;
static void *shared;
static uint64_t shared_frame_slot;

static void uart_write(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	sys_puts(s, n);
}

void wl_env_init(const struct bootinfo *bi)
{
	next_slot = bi->first_free_slot;
	wl_out.write = uart_write;
	wl_out.ctx = NULL;
}

int wl_fail(const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	stream_error(&wl_out, msg);
	return 1;
}

uint64_t root_slot(void)
{
	if (next_slot >= CSPACE_SLOTS) {
		wl_fail("the root task's cspace is full");
		sys_shutdown(ROOT_SLOT_CTRL, 1);
	}
	return next_slot++;
}

uint64_t root_create(uint64_t type, uint64_t arg)
{
	uint64_t s = root_slot();
	int64_t err = sys_create(ROOT_SLOT_CTRL, type, s, arg);
	if (err) {
		wl_fail("cannot create an object of type %lu: %s", type, uerrname(err));
		sys_shutdown(ROOT_SLOT_CTRL, 1);
	}
	return s;
}

void *shared_root(void)
{
	if (!shared) {
		shared_frame_slot = root_create(CAP_FRAME, SHARED_PAGES);
		int64_t err = sys_map(shared_frame_slot, ROOT_SLOT_TASK, ROOT_SHARED_VA,
		                      RIGHT_READ | RIGHT_WRITE);
		if (err) {
			wl_fail("cannot map the shared region: %s", uerrname(err));
			sys_shutdown(ROOT_SLOT_CTRL, 1);
		}
		shared = (void *)(uintptr_t)ROOT_SHARED_VA;
	}
	return shared;
}

static void check(int64_t err, const char *what)
{
	if (err) {
		wl_fail("%s: %s", what, uerrname(err));
		sys_shutdown(ROOT_SLOT_CTRL, 1);
	}
}

uint64_t spawn_task(void (*entry)(uint64_t), uint64_t arg_offset, unsigned prio,
                    const char *name, const uint64_t slots[4])
{
	shared_root();
	uint64_t t = root_slot();
	check(sys_task_create(ROOT_SLOT_CTRL, t, entry, TASK_SHARED_VA + arg_offset, prio, name),
	      "task create");
	check(sys_map(shared_frame_slot, t, TASK_SHARED_VA, RIGHT_READ | RIGHT_WRITE), "map shared");
	for (int i = 0; i < 4; i++)
		if (slots && slots[i])
			check(sys_cap_copy(t, slots[i], WSLOT_NTFN0 + (uint64_t)i, RIGHTS_ALL, 0), "cap copy");
	return t;
}

uint64_t spawn_thread(void (*entry)(uint64_t), uint64_t arg, unsigned prio)
{
	uint64_t s = root_slot();
	check(sys_thread_create(ROOT_SLOT_TASK, s, entry, arg, prio), "thread create");
	return s;
}

uint64_t run_task(uint64_t task_slot)
{
	static uint64_t end_ntfn;
	if (!end_ntfn)
		end_ntfn = root_create(CAP_NTFN, 0);
	check(sys_bound_ntfn(task_slot, end_ntfn, 1), "bind end notification");
	check(sys_start(task_slot), "start");
	sys_wait(end_ntfn);
	return sys_status(task_slot).v;
}

const char *const wl_placement_names[] = { "same", "cross", NULL };

int wl_check_placement(const struct wl_args *a)
{
	const char *place = wl_get_choice(a, "placement");
	if (!place)
		return 0;   /* a workload that runs on the root's CPU only */
	unsigned cpus = (unsigned)wl_get(a, "cpus"), have = sys_cpu_count();
	if (cpus > have)
		return wl_fail("cpus=%u: the machine has %u CPU%s (boot it with -smp %u: the harness "
		               "does so from the run's cpus; make run CPUS=%u)", cpus, have,
		               have == 1 ? "" : "s", cpus, cpus);
	if (strcmp(place, "cross") == 0 && cpus < 2)
		return wl_fail("placement=cross needs cpus=2 or more (cpus=%u): the other side runs "
		               "on another CPU than the root's", cpus);
	return 0;
}

unsigned wl_cpu_of(const struct wl_args *a, unsigned i)
{
	const char *place = wl_get_choice(a, "placement");
	if (!place || strcmp(place, "cross") != 0)
		return 0;
	return (1 + i) % (unsigned)wl_get(a, "cpus");
}

void wl_place(uint64_t slot, unsigned cpu)
{
	if (cpu)
		check(sys_set_cpu(slot, cpu), "set the CPU of a thread");
}

uint64_t wl_iterations(const struct wl_args *a)
{
	return (uint64_t)wl_get(a, "iterations");   /* the tables keep it <= WL_MAX_ITER */
}

int64_t measure_overhead(const struct wl_args *a, uint64_t (*fn)(void))
{
	bool exact = strcmp(a->mode, "exact") == 0;
	uint64_t prev_min = ~0ull;
	for (int attempt = 0; attempt < 8; attempt++) {
		uint64_t lo = ~0ull, hi = 0;
		for (int i = 0; i < OVERHEAD_RUNS; i++) {
			uint64_t v = fn();
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		if (exact && lo == hi)
			return (int64_t)lo;
		if (!exact && lo == prev_min)
			return (int64_t)lo;
		prev_min = lo;
	}
	wl_fail("the measurement overhead is not stable (mode %s): refusing to report", a->mode);
	return -1;
}

void emit_frame(const struct wl_args *a, const char *metric, int64_t overhead, int64_t per,
                const int64_t *samples, uint64_t n)
{
	char kv[512];
	bool exact = strcmp(a->mode, "exact") == 0;
	/* Exact mode: one counter tick per instruction (icount), so the unit is
	 * instructions; timed mode: the counter follows host time. */
	if (!wl_frame_kv(a, metric, exact ? "instructions" : "cycles", "pmccntr", "virt", overhead,
	                 per, kv, sizeof kv)) {
		wl_fail("the header of frame %s does not fit %lu bytes", metric, (unsigned long)sizeof kv);
		return;
	}
	stream_frame(&wl_out, kv, samples, n);
}
