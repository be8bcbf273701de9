/*
 * A flattened device tree walker just big enough for /chosen/bootargs.
 * Every offset read from the blob is checked against its size: a corrupt
 * tree gives "no bootargs", never a fault.  /chosen/rng-seed is never read
 * (it changes on every boot and would make exact runs differ).
 */
#include "fdt.h"
#include "lib/string.h"

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9
#define FDT_MAX_SIZE   (1u << 20)

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int64_t fdt_bootargs(const void *dtb, char *buf, size_t n)
{
	const uint8_t *b = dtb;
	if (n)
		buf[0] = '\0';
	if (be32(b) != FDT_MAGIC)
		return -1;
	uint32_t total = be32(b + 4), off_struct = be32(b + 8), off_strings = be32(b + 12);
	uint32_t size_strings = be32(b + 32), size_struct = be32(b + 36);
	if (total > FDT_MAX_SIZE || off_struct > total || size_struct > total - off_struct ||
	    off_strings > total || size_strings > total - off_strings)
		return -1;
	const uint8_t *s = b + off_struct, *end = s + size_struct;
	int depth = 0, chosen_depth = -1;
	while (s + 4 <= end) {
		uint32_t tok = be32(s);
		s += 4;
		switch (tok) {
		case FDT_BEGIN_NODE: {
			const char *name = (const char *)s;
			size_t len = 0;
			while (s + len < end && s[len])
				len++;
			if (s + len >= end)
				return -1;
			depth++;
			if (depth == 2 && len == 6 && memcmp(name, "chosen", 6) == 0)
				chosen_depth = depth;
			s += (len + 1 + 3) & ~(size_t)3;
			break;
		}
		case FDT_END_NODE:
			if (depth == chosen_depth)
				chosen_depth = -1;
			depth--;
			break;
		case FDT_PROP: {
			if (s + 8 > end)
				return -1;
			uint32_t len = be32(s), nameoff = be32(s + 4);
			s += 8;
			if (len > (size_t)(end - s) || nameoff >= size_strings)
				return -1;
			const char *pname = (const char *)b + off_strings + nameoff;
			size_t maxname = size_strings - nameoff;
			if (depth == chosen_depth && maxname >= 9 && memcmp(pname, "bootargs", 9) == 0) {
				/* The value is a string with its NUL; without one (a
				 * malformed tree) every byte counts. */
				size_t vlen = len && s[len - 1] == '\0' ? len - 1 : len;
				if (n) {
					size_t m = vlen < n - 1 ? vlen : n - 1;
					memcpy(buf, s, m);
					buf[m] = '\0';
				}
				return (int64_t)vlen;
			}
			s += (len + 3) & ~3u;
			break;
		}
		case FDT_NOP:
			break;
		case FDT_END:
			return -1;
		default:
			return -1;
		}
	}
	return -1;
}

/* ---- /cpus and /psci ------------------------------------------------- */

/* Walks the structure block of a checked tree, calling `prop` for every
 * property with its node's depth and name.  Returns false on a malformed
 * tree. */
struct fdt_walk {
	const uint8_t *b;
	uint32_t off_strings, size_strings;
	void (*prop)(struct fdt_walk *w, int depth, const char *node, size_t nlen, const char *name,
	             size_t maxname, const uint8_t *val, uint32_t len);
	void *ctx;
	const char *parent;    /* the name of the node's parent, for `prop` */
	size_t plen;
};

static bool walk_tree(const void *dtb, struct fdt_walk *w)
{
	const uint8_t *b = dtb;
	if (be32(b) != FDT_MAGIC)
		return false;
	uint32_t total = be32(b + 4), off_struct = be32(b + 8), off_strings = be32(b + 12);
	uint32_t size_strings = be32(b + 32), size_struct = be32(b + 36);
	if (total > FDT_MAX_SIZE || off_struct > total || size_struct > total - off_struct ||
	    off_strings > total || size_strings > total - off_strings)
		return false;
	w->b = b;
	w->off_strings = off_strings;
	w->size_strings = size_strings;
	const uint8_t *s = b + off_struct, *end = s + size_struct;
	/* The names of the open nodes, by depth (only the last matters here). */
	const char *node[8] = { "" };
	size_t nlen[8] = { 0 };
	int depth = 0;
	while (s + 4 <= end) {
		uint32_t tok = be32(s);
		s += 4;
		switch (tok) {
		case FDT_BEGIN_NODE: {
			size_t len = 0;
			while (s + len < end && s[len])
				len++;
			if (s + len >= end)
				return false;
			depth++;
			if (depth < 8) {
				node[depth] = (const char *)s;
				nlen[depth] = len;
			}
			s += (len + 1 + 3) & ~(size_t)3;
			break;
		}
		case FDT_END_NODE:
			if (depth-- <= 0)
				return false;
			break;
		case FDT_PROP: {
			if (s + 8 > end)
				return false;
			uint32_t len = be32(s), nameoff = be32(s + 4);
			s += 8;
			if (len > (size_t)(end - s) || nameoff >= size_strings)
				return false;
			if (depth > 1 && depth < 8) {
				w->parent = node[depth - 1];
				w->plen = nlen[depth - 1];
			}
			if (depth > 0 && depth < 8)
				w->prop(w, depth, node[depth], nlen[depth], (const char *)b + off_strings + nameoff,
				        size_strings - nameoff, s, len);
			s += (len + 3) & ~3u;
			break;
		}
		case FDT_NOP:
			break;
		case FDT_END:
			return true;
		default:
			return false;
		}
	}
	return false;
}

static bool name_is(const char *name, size_t maxname, const char *want)
{
	size_t n = strlen(want) + 1;
	return maxname >= n && memcmp(name, want, n) == 0;
}

struct cpus_ctx {
	struct fdt_cpus *out;
	/* The cpu@ node whose properties are being read, by its name. */
	const char *node;
	bool is_cpu;
	uint64_t reg;
	bool have_reg;
};

/* Properties arrive in node order; a cpu node is complete when the next
 * node begins, so each cpu@ node's reg and device_type are collected and
 * counted when both have been seen. */
static void cpus_prop(struct fdt_walk *w, int depth, const char *node, size_t nlen,
                      const char *name, size_t maxname, const uint8_t *val, uint32_t len)
{
	struct cpus_ctx *c = w->ctx;
	if (depth == 2 && nlen == 4 && memcmp(node, "psci", 4) == 0 && name_is(name, maxname, "method")) {
		c->out->psci_smc = len >= 4 && memcmp(val, "smc", 4) == 0;
		c->out->psci_hvc = len >= 4 && memcmp(val, "hvc", 4) == 0;
		return;
	}
	if (depth != 3 || nlen < 4 || memcmp(node, "cpu@", 4) != 0 || w->plen != 4 ||
	    memcmp(w->parent, "cpus", 4) != 0)
		return;
	if (node != c->node) {
		c->node = node;
		c->is_cpu = false;
		c->have_reg = false;
	}
	if (name_is(name, maxname, "device_type"))
		c->is_cpu = len == 4 && memcmp(val, "cpu", 4) == 0;
	else if (name_is(name, maxname, "reg") && (len == 4 || len == 8)) {
		c->reg = len == 4 ? be32(val) : (uint64_t)be32(val) << 32 | be32(val + 4);
		c->have_reg = true;
	} else {
		return;
	}
	if (c->is_cpu && c->have_reg) {
		if (c->out->n < FDT_CPUS_MAX)
			c->out->mpidr[c->out->n] = c->reg;
		c->out->n++;
		c->have_reg = false;   /* counted once */
		c->is_cpu = false;
	}
}

int fdt_cpus(const void *dtb, struct fdt_cpus *out)
{
	memset(out, 0, sizeof *out);
	struct cpus_ctx c = { .out = out };
	struct fdt_walk w = { .prop = cpus_prop, .ctx = &c };
	if (!walk_tree(dtb, &w)) {   /* QEMU's tree is well formed: only the host test's bad trees */
		memset(out, 0, sizeof *out);
		return -1;
	}
	return 0;
}
