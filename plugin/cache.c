#include "cache.h"

#include <stdlib.h>
#include <string.h>

static bool pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int cache_init(struct cache *c, uint64_t size, unsigned ways, unsigned line)
{
	memset(c, 0, sizeof *c);
	if (!pow2(size) || !pow2(line) || ways == 0 || size % ((uint64_t)ways * line))
		return -1;
	uint64_t sets = size / ((uint64_t)ways * line);
	if (!pow2(sets))
		return -1;
	c->sets = (unsigned)sets;
	c->ways = ways;
	while ((1u << c->set_shift) < c->sets)
		c->set_shift++;
	c->tag = calloc(sets * ways, sizeof *c->tag);
	c->gen = calloc(sets * ways, sizeof *c->gen);
	if (!c->tag || !c->gen) {
		cache_free(c);
		return -1;
	}
	c->cur = 1;                 /* every entry (generation 0) starts invalid */
	return 0;
}

void cache_free(struct cache *c)
{
	free(c->tag);
	free(c->gen);
	c->tag = NULL;
	c->gen = NULL;
}

bool cache_access(struct cache *c, uint64_t line)
{
	unsigned set = (unsigned)(line & (c->sets - 1));
	uint64_t *t = c->tag + (uint64_t)set * c->ways;
	uint32_t *g = c->gen + (uint64_t)set * c->ways;
	unsigned w;
	/* The valid entries of a set are always its first ones, MRU first:
	 * entries only ever enter at the front. */
	for (w = 0; w < c->ways && g[w] == c->cur; w++) {
		if (t[w] == line) {
			memmove(t + 1, t, w * sizeof *t);
			t[0] = line;
			c->hits++;
			return true;
		}
	}
	/* Miss: the LRU entry (the last) drops out, everything moves down one. */
	unsigned last = c->ways - 1;
	memmove(t + 1, t, last * sizeof *t);
	memmove(g + 1, g, last * sizeof *g);
	t[0] = line;
	g[0] = c->cur;
	c->misses++;
	return false;
}

void cache_flush(struct cache *c)
{
	if (++c->cur == 0) {        /* wrapped: clear for real */
		memset(c->gen, 0, (uint64_t)c->sets * c->ways * sizeof *c->gen);
		c->cur = 1;
	}
}

bool cache_invalidate(struct cache *c, uint64_t line)
{
	unsigned set = (unsigned)(line & (c->sets - 1));
	uint64_t *t = c->tag + (uint64_t)set * c->ways;
	uint32_t *g = c->gen + (uint64_t)set * c->ways;
	unsigned n = 0;
	while (n < c->ways && g[n] == c->cur)
		n++;                    /* the set's valid entries: its first n */
	for (unsigned w = 0; w < n; w++) {
		if (t[w] == line) {
			/* Close the gap: the valid entries stay first, in LRU order. */
			memmove(t + w, t + w + 1, (n - 1 - w) * sizeof *t);
			g[n - 1] = 0;
			return true;
		}
	}
	return false;
}

int a53_init(struct a53 *m, unsigned ncpus)
{
	unsigned line = 1u << A53_LINE_SHIFT;
	memset(m, 0, sizeof *m);
	if (ncpus == 0 || ncpus > A53_MAX_CPUS)
		return -1;
	m->ncpus = ncpus;
	for (unsigned c = 0; c < ncpus; c++) {
		if (cache_init(&m->l1i[c], 32 << 10, 2, line) || cache_init(&m->l1d[c], 32 << 10, 4, line)) {
			a53_free(m);
			return -1;
		}
	}
	if (cache_init(&m->l2, 512 << 10, 16, line)) {
		a53_free(m);
		return -1;
	}
	return 0;
}

void a53_free(struct a53 *m)
{
	for (unsigned c = 0; c < A53_MAX_CPUS; c++) {
		cache_free(&m->l1i[c]);
		cache_free(&m->l1d[c]);
	}
	cache_free(&m->l2);
}

void a53_flush(struct a53 *m)
{
	for (unsigned c = 0; c < m->ncpus; c++) {
		cache_flush(&m->l1i[c]);
		cache_flush(&m->l1d[c]);
	}
	cache_flush(&m->l2);
}

void a53_fetch(struct a53 *m, unsigned cpu, uint64_t line)
{
	if (!cache_access(&m->l1i[cpu], line))
		cache_access(&m->l2, line);
}

void a53_data(struct a53 *m, unsigned cpu, uint64_t line, bool store)
{
	if (!cache_access(&m->l1d[cpu], line))
		cache_access(&m->l2, line);
	if (store)
		for (unsigned c = 0; c < m->ncpus; c++)
			if (c != cpu)
				cache_invalidate(&m->l1d[c], line);
}

void a53_misses(const struct a53 *m, uint64_t out[3])
{
	out[0] = out[1] = 0;
	for (unsigned c = 0; c < m->ncpus; c++) {
		out[0] += m->l1i[c].misses;
		out[1] += m->l1d[c].misses;
	}
	out[2] = m->l2.misses;
}
