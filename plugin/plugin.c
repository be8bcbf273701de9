/*
 * ipclab's QEMU TCG plugin (API version 1, QEMU 7.2): what each measured
 * path executes, without adding a guest instruction.
 *
 *   -plugin build/plugin/libipclab.so,out=FILE[,mode=profile|coverage]
 *
 * profile   Every `mrs Xt, pmccntr_el0` the guest executes is a boundary:
 *           the instructions from one counter read (exclusive) to the next
 *           (inclusive) form an interval, exactly the t1 - t0 a sample
 *           reads (in exact mode one counter tick is one instruction).
 *           Intervals are aggregated by (pc of the read that starts them,
 *           pc of the read that ends them, instructions): a "kind".  For
 *           each kind: how often it ran, its instructions by pc (summed
 *           over its runs), and per run the distinct 64-byte instruction
 *           and data lines it touched and its misses under the Cortex-A53
 *           model of cache.h, hot (caches kept across everything) and cold
 *           (caches flushed at the interval's start).
 * coverage  Every instruction address executed at least once, with a
 *           count (inline counters, one per instruction).
 *
 * The total of instructions is always counted with an inline counter per
 * translation block.  Output is written at exit; its last line is `E`, so a
 * cut file is recognised.  The format: plugin/README.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "qemu_plugin_api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = IPCLAB_QEMU_PLUGIN_VERSION;

/* `mrs Xt, pmccntr_el0`: op0=3 op1=3 CRn=9 CRm=13 op2=0, any Xt. */
#define MRS_PMCCNTR      0xd53b9d00u
#define MRS_PMCCNTR_MASK 0xffffffe0u

/* Guest RAM on QEMU's virt board; the kernel runs at VA = PA inside it. */
#define RAM_BASE 0x40000000ull
#define RAM_LIMIT 0x100000000ull

enum mode { MODE_PROFILE, MODE_COVERAGE };

static enum mode mode = MODE_PROFILE;
static char *out_path;
static uint64_t total_insns;    /* inline: every instruction executed */
static uint64_t undone;         /* instructions taken off again (struct undo) */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int locking;             /* more than one vCPU: callbacks may race */
static unsigned ncpus = 1;      /* the cache model's CPUs: QEMU's vCPUs */

static void die_oom(void)
{
	fprintf(stderr, "ipclab plugin: out of memory\n");
	abort();
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		die_oom();
	return p;
}

/* --- a hash map of (a, b, c) -> u64 -------------------------------------- */

struct map_ent {
	uint64_t a, b, c, v;
	int used;
};
struct map {
	struct map_ent *e;
	size_t cap, n;              /* cap: a power of two */
};

static uint64_t mix(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ull;
	h ^= (b + 0x632be59bd9b4e019ull) * 0xbf58476d1ce4e5b9ull;
	h ^= (c + 0x85ebca77c2b2ae63ull) * 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

static void map_grow(struct map *m);

/* The value slot of the key, created (0) when absent. */
static uint64_t *map_slot(struct map *m, uint64_t a, uint64_t b, uint64_t c)
{
	if (2 * (m->n + 1) > m->cap)
		map_grow(m);
	size_t i = mix(a, b, c) & (m->cap - 1);
	while (m->e[i].used) {
		if (m->e[i].a == a && m->e[i].b == b && m->e[i].c == c)
			return &m->e[i].v;
		i = (i + 1) & (m->cap - 1);
	}
	m->e[i] = (struct map_ent){ a, b, c, 0, 1 };
	m->n++;
	return &m->e[i].v;
}

static void map_grow(struct map *m)
{
	struct map old = *m;
	m->cap = old.cap ? old.cap * 2 : 1024;
	m->e = xcalloc(m->cap, sizeof *m->e);
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.e[i].used)
			*map_slot(m, old.e[i].a, old.e[i].b, old.e[i].c) = old.e[i].v;
	free(old.e);
}

/* --- translation: segments ---------------------------------------------- */

/*
 * A translation block is cut after each counter read into segments; a
 * segment's instructions all belong to one interval.  The block's exec
 * callback enters its first segment; the exec callback of a counter read
 * (which runs before the read, after the instructions before it) closes
 * the interval and enters the next segment.
 */
struct seg {
	uint64_t *pc;
	uint64_t *line;             /* distinct consecutive physical line numbers */
	uint32_t n, nlines;
	uint64_t end_pc;            /* the counter read that ends it, or 0 */
	struct seg *next;           /* the segment after that read */
	uint64_t cur, epoch;        /* runs in the current interval, and which */
	struct seg *touched;        /* the current interval's list */
	struct memref *ref;         /* n: each instruction's memory callback data */
};
struct memref {
	struct seg *seg;
	uint32_t idx;
};

/* Host address - guest physical address of RAM, learnt from the first
 * instruction translated at VA = PA (the kernel's, MMU on or off). */
static int64_t host_off;
static int host_off_known;

static uint64_t insn_phys(struct qemu_plugin_insn *insn)
{
	uint64_t va = qemu_plugin_insn_vaddr(insn);
	uintptr_t ha = (uintptr_t)qemu_plugin_insn_haddr(insn);
	if (!host_off_known && ha && va >= RAM_BASE && va < RAM_LIMIT) {
		host_off = (int64_t)(ha - va);
		host_off_known = 1;
	}
	return (host_off_known && ha) ? (uint64_t)((int64_t)ha - host_off) : va;
}

static int is_counter_read(struct qemu_plugin_insn *insn)
{
	uint32_t w;
	if (qemu_plugin_insn_size(insn) != 4)
		return 0;
	memcpy(&w, qemu_plugin_insn_data(insn), 4);
	return (w & MRS_PMCCNTR_MASK) == MRS_PMCCNTR;
}

/* --- profile state -------------------------------------------------------- */

struct kind {
	uint64_t start_pc, end_pc, insns, count;
	struct tuple *tuples;       /* distinct per-run footprints and misses */
	unsigned ntuples;
	uint64_t other;             /* runs beyond MAX_TUPLES distinct ones */
};
#define NSTAT 8                 /* i lines, d lines, cold l1i l1d l2, hot l1i l1d l2 */
#define MAX_TUPLES 32
struct tuple {
	uint64_t v[NSTAT];
	uint64_t count;
};

static struct map kind_ids;     /* (start, end, insns) -> kind index + 1 */
static struct kind *kinds;
static size_t nkinds, cap_kinds;
static struct map kind_pc;      /* (kind, pc, 0) -> instructions */
static struct map seen_lines;   /* (line, 0 = I / 1 = D, 0) -> epoch last touched */

static struct a53 hot, cold;
static uint64_t epoch = 1, start_pc, cur_insns;
static uint64_t cur_lines[2];
static uint64_t base_cold[3], base_hot[3];
static struct seg *touched;
static struct seg *last_entered;

/*
 * A device access in the middle of a block, in exact mode (icount), makes
 * QEMU stop the block at that instruction, run the instruction alone in a
 * block of its own that plugins only see the memory callbacks of, and go
 * on with a new block after it.  The block's exec callback had entered its
 * whole segment, so the instructions after the device access were counted
 * once too often: they are taken off again (`undo`), and off their pcs at
 * the interval's close.  Recognised by the device access coming from
 * another translation of an instruction of the segment last entered (in
 * timed mode the access comes from the entered segment itself, and nothing
 * is undone).
 */
struct undo {
	struct seg *seg;
	uint32_t from;              /* pcs from..n-1 of seg ran once less */
};
static struct undo *undos;
static size_t nundos, cap_undos;

static void misses(const struct a53 *m, uint64_t out[3])
{
	a53_misses(m, out);
}

/* One line touched by a CPU: data 0 a fetch, 1 a load, 2 a store. */
static void touch_line(uint64_t line, int data, unsigned cpu)
{
	int d = data != 0;
	uint64_t *e = map_slot(&seen_lines, line, (uint64_t)d, 0);
	if (*e != epoch) {
		*e = epoch;
		cur_lines[d]++;
	}
	if (d) {
		a53_data(&hot, cpu, line, data == 2);
		a53_data(&cold, cpu, line, data == 2);
	} else {
		a53_fetch(&hot, cpu, line);
		a53_fetch(&cold, cpu, line);
	}
}

static void enter(struct seg *s, unsigned cpu)
{
	if (s->epoch != epoch) {
		s->epoch = epoch;
		s->cur = 0;
		s->touched = touched;
		touched = s;
	}
	s->cur++;
	cur_insns += s->n;
	last_entered = s;
	for (uint32_t i = 0; i < s->nlines; i++)
		touch_line(s->line[i], 0, cpu);
}

static struct kind *kind_of(uint64_t spc, uint64_t epc, uint64_t insns)
{
	uint64_t *id = map_slot(&kind_ids, spc, epc, insns);
	if (!*id) {
		if (nkinds == cap_kinds) {
			cap_kinds = cap_kinds ? cap_kinds * 2 : 256;
			kinds = realloc(kinds, cap_kinds * sizeof *kinds);
			if (!kinds)
				die_oom();
		}
		kinds[nkinds] = (struct kind){ .start_pc = spc, .end_pc = epc, .insns = insns };
		*id = ++nkinds;
	}
	return &kinds[*id - 1];
}

static void add_tuple(struct kind *k, const uint64_t v[NSTAT])
{
	for (unsigned i = 0; i < k->ntuples; i++) {
		if (!memcmp(k->tuples[i].v, v, sizeof k->tuples[i].v)) {
			k->tuples[i].count++;
			return;
		}
	}
	if (k->ntuples == MAX_TUPLES) {
		k->other++;
		return;
	}
	if (!k->tuples)
		k->tuples = xcalloc(MAX_TUPLES, sizeof *k->tuples);
	memcpy(k->tuples[k->ntuples].v, v, sizeof k->tuples[0].v);
	k->tuples[k->ntuples++].count = 1;
}

/* The interval ends at the counter read at end_pc. */
static void close_interval(uint64_t end_pc)
{
	struct kind *k = kind_of(start_pc, end_pc, cur_insns);
	size_t kid = (size_t)(k - kinds);
	k->count++;
	for (struct seg *s = touched; s; s = s->touched)
		for (uint32_t i = 0; i < s->n; i++)
			*map_slot(&kind_pc, kid, s->pc[i], 0) += s->cur;
	for (size_t u = 0; u < nundos; u++)
		for (uint32_t i = undos[u].from; i < undos[u].seg->n; i++)
			*map_slot(&kind_pc, kid, undos[u].seg->pc[i], 0) -= 1;
	nundos = 0;
	uint64_t c[3], h[3], v[NSTAT];
	misses(&cold, c);
	misses(&hot, h);
	v[0] = cur_lines[0];
	v[1] = cur_lines[1];
	for (int i = 0; i < 3; i++) {
		v[2 + i] = c[i] - base_cold[i];
		v[5 + i] = h[i] - base_hot[i];
	}
	add_tuple(k, v);
	/* The next interval: cold caches flushed, nothing touched yet. */
	epoch++;
	touched = NULL;
	cur_insns = 0;
	cur_lines[0] = cur_lines[1] = 0;
	start_pc = end_pc;
	a53_flush(&cold);
	misses(&cold, base_cold);
	misses(&hot, base_hot);
}

static void on_tb(unsigned int vcpu, void *udata)
{
	if (locking)
		pthread_mutex_lock(&lock);
	enter(udata, vcpu % ncpus);
	if (locking)
		pthread_mutex_unlock(&lock);
}

static void on_counter_read(unsigned int vcpu, void *udata)
{
	struct seg *s = udata;
	if (locking)
		pthread_mutex_lock(&lock);
	close_interval(s->end_pc);
	if (s->next)
		enter(s->next, vcpu % ncpus);
	if (locking)
		pthread_mutex_unlock(&lock);
}

static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
	const struct memref *ref = udata;
	struct qemu_plugin_hwaddr *hw = qemu_plugin_get_hwaddr(info, vaddr);
	if (!hw || qemu_plugin_hwaddr_is_io(hw)) {
		/* a device: not cached; but see struct undo */
		if (locking)
			pthread_mutex_lock(&lock);
		struct seg *e = last_entered;
		uint64_t pc = ref->seg->pc[ref->idx];
		if (e && ref->seg != e) {
			for (uint32_t j = 0; j < e->n; j++) {
				if (e->pc[j] != pc)
					continue;
				if (j + 1 < e->n) {
					if (nundos == cap_undos) {
						cap_undos = cap_undos ? cap_undos * 2 : 64;
						undos = realloc(undos, cap_undos * sizeof *undos);
						if (!undos)
							die_oom();
					}
					undos[nundos++] = (struct undo){ e, j + 1 };
					cur_insns -= e->n - 1 - j;
					undone += e->n - 1 - j;
				}
				last_entered = NULL;    /* once per entry */
				break;
			}
		}
		if (locking)
			pthread_mutex_unlock(&lock);
		return;
	}
	uint64_t pa = qemu_plugin_hwaddr_phys_addr(hw);
	uint64_t size = 1ull << qemu_plugin_mem_size_shift(info);
	uint64_t first = pa >> A53_LINE_SHIFT, last = (pa + size - 1) >> A53_LINE_SHIFT;
	if (locking)
		pthread_mutex_lock(&lock);
	int data = qemu_plugin_mem_is_store(info) ? 2 : 1;
	for (uint64_t l = first; l <= last; l++)
		touch_line(l, data, vcpu % ncpus);
	if (locking)
		pthread_mutex_unlock(&lock);
}

static struct seg *new_seg(struct qemu_plugin_tb *tb, size_t from, size_t to)
{
	struct seg *s = xcalloc(1, sizeof *s);
	s->n = (uint32_t)(to - from);
	s->pc = xcalloc(s->n, sizeof *s->pc);
	s->line = xcalloc(s->n, sizeof *s->line);
	s->ref = xcalloc(s->n, sizeof *s->ref);
	for (size_t i = from; i < to; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t line = insn_phys(insn) >> A53_LINE_SHIFT;
		s->pc[i - from] = qemu_plugin_insn_vaddr(insn);
		if (!s->nlines || s->line[s->nlines - 1] != line)
			s->line[s->nlines++] = line;
	}
	return s;
}

static void translate_profile(struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb), from = 0;
	struct seg *prev = NULL;
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		if (!is_counter_read(insn) && i + 1 < n)
			continue;
		struct seg *s = new_seg(tb, from, i + 1);
		for (size_t k = from; k <= i; k++) {
			s->ref[k - from] = (struct memref){ s, (uint32_t)(k - from) };
			qemu_plugin_register_vcpu_mem_cb(qemu_plugin_tb_get_insn(tb, k), on_mem,
			                                 QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW,
			                                 &s->ref[k - from]);
		}
		if (is_counter_read(insn)) {
			s->end_pc = qemu_plugin_insn_vaddr(insn);
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_counter_read,
			                                       QEMU_PLUGIN_CB_NO_REGS, s);
		}
		if (prev)
			prev->next = s;
		else
			qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb, QEMU_PLUGIN_CB_NO_REGS, s);
		prev = s;
		from = i + 1;
	}
}

/* --- coverage ------------------------------------------------------------- */

struct cov {
	uint64_t *pc, *count;
	size_t n;
	struct cov *next;
};
static struct cov *covs;

static void translate_coverage(struct qemu_plugin_tb *tb)
{
	struct cov *c = xcalloc(1, sizeof *c);
	c->n = qemu_plugin_tb_n_insns(tb);
	c->pc = xcalloc(c->n, sizeof *c->pc);
	c->count = xcalloc(c->n, sizeof *c->count);
	for (size_t i = 0; i < c->n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		c->pc[i] = qemu_plugin_insn_vaddr(insn);
		qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
		                                           &c->count[i], 1);
	}
	if (locking)
		pthread_mutex_lock(&lock);
	c->next = covs;
	covs = c;
	if (locking)
		pthread_mutex_unlock(&lock);
}

/* --- translation and exit ------------------------------------------------- */

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &total_insns,
	                                         qemu_plugin_tb_n_insns(tb));
	if (mode == MODE_COVERAGE) {
		translate_coverage(tb);
		return;
	}
	if (locking)
		pthread_mutex_lock(&lock);
	translate_profile(tb);
	if (locking)
		pthread_mutex_unlock(&lock);
}

static void write_profile(FILE *f)
{
	/* The interval still open at exit ends nowhere (end pc 0). */
	close_interval(0);
	for (size_t k = 0; k < nkinds; k++) {
		struct kind *kd = &kinds[k];
		fprintf(f, "K %zu %#" PRIx64 " %#" PRIx64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", k,
		        kd->start_pc, kd->end_pc, kd->insns, kd->count, kd->other);
		for (unsigned t = 0; t < kd->ntuples; t++) {
			fprintf(f, "F %zu %" PRIu64, k, kd->tuples[t].count);
			for (int i = 0; i < NSTAT; i++)
				fprintf(f, " %" PRIu64, kd->tuples[t].v[i]);
			fputc('\n', f);
		}
	}
	for (size_t i = 0; i < kind_pc.cap; i++)
		if (kind_pc.e[i].used)
			fprintf(f, "P %" PRIu64 " %#" PRIx64 " %" PRIu64 "\n", kind_pc.e[i].a,
			        kind_pc.e[i].b, kind_pc.e[i].v);
}

static void write_coverage(FILE *f)
{
	struct map pcs = { 0 };
	for (struct cov *c = covs; c; c = c->next)
		for (size_t i = 0; i < c->n; i++)
			if (c->count[i])
				*map_slot(&pcs, c->pc[i], 0, 0) += c->count[i];
	for (size_t i = 0; i < pcs.cap; i++)
		if (pcs.e[i].used)
			fprintf(f, "C %#" PRIx64 " %" PRIu64 "\n", pcs.e[i].a, pcs.e[i].v);
}

static void on_exit_cb(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	FILE *f = fopen(out_path, "w");
	if (!f) {
		fprintf(stderr, "ipclab plugin: cannot write %s: %s\n", out_path, strerror(errno));
		return;
	}
	fprintf(f, "ipclab-plugin 1 mode=%s line=%d\n", mode == MODE_PROFILE ? "profile" : "coverage",
	        1 << A53_LINE_SHIFT);
	fprintf(f, "T %" PRIu64 "\n", total_insns - undone);
	if (mode == MODE_PROFILE)
		write_profile(f);
	else
		write_coverage(f);
	fprintf(f, "E\n");
	if (fclose(f))
		fprintf(stderr, "ipclab plugin: writing %s failed: %s\n", out_path, strerror(errno));
}

/* --- arguments -------------------------------------------------------------- */

static int bad_arg(const char *arg, const char *why)
{
	fprintf(stderr, "ipclab plugin: bad argument '%s': %s (arguments: out=FILE, "
	        "mode=profile|coverage)\n", arg, why);
	return -1;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv)
{
	int have_mode = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		if (!eq || eq == a)
			return bad_arg(a, "not key=value");
		size_t klen = (size_t)(eq - a);
		const char *v = eq + 1;
		if (klen == 3 && !strncmp(a, "out", 3)) {
			if (out_path)
				return bad_arg(a, "out given twice");
			if (!*v)
				return bad_arg(a, "an empty file name");
			out_path = strdup(v);
		} else if (klen == 4 && !strncmp(a, "mode", 4)) {
			if (have_mode++)
				return bad_arg(a, "mode given twice");
			if (!strcmp(v, "profile"))
				mode = MODE_PROFILE;
			else if (!strcmp(v, "coverage"))
				mode = MODE_COVERAGE;
			else
				return bad_arg(a, "mode is profile or coverage");
		} else {
			return bad_arg(a, "unknown key");
		}
	}
	if (!out_path) {
		fprintf(stderr, "ipclab plugin: no out=FILE argument: refusing to run without "
		        "writing what it measures\n");
		return -1;
	}
	if (!info->system_emulation) {
		fprintf(stderr, "ipclab plugin: system emulation only\n");
		return -1;
	}
	/* Fail now, not at exit, when the output cannot be written. */
	FILE *f = fopen(out_path, "w");
	if (!f) {
		fprintf(stderr, "ipclab plugin: cannot write %s: %s\n", out_path, strerror(errno));
		return -1;
	}
	fclose(f);
	locking = info->system.max_vcpus > 1;
	ncpus = info->system.max_vcpus > 0 ? (unsigned)info->system.max_vcpus : 1;
	if (ncpus > A53_MAX_CPUS) {
		fprintf(stderr, "ipclab plugin: %u vCPUs: the cache model has at most %d\n", ncpus,
		        A53_MAX_CPUS);
		return -1;
	}
	if (mode == MODE_PROFILE && (a53_init(&hot, ncpus) || a53_init(&cold, ncpus))) {
		fprintf(stderr, "ipclab plugin: cannot set up the cache model\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_exit_cb, NULL);
	return 0;
}
