/*
 * The cache model on scripted access patterns, against hit/miss sequences
 * worked out by hand (the comments give the set contents, MRU first).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"

static int failures;

static void expect(const char *what, int got, int want)
{
	if (got != want) {
		printf("test_cache: %s: got %d, want %d\n", what, got, want);
		failures++;
	}
}

/* Accesses of lines[] must hit or miss as pattern[] says ('H' / 'M'). */
static void script(struct cache *c, const char *name, const unsigned *lines, const char *pattern)
{
	for (size_t i = 0; pattern[i]; i++) {
		char what[96];
		snprintf(what, sizeof what, "%s: access %zu (line %u) is a hit", name, i, lines[i]);
		expect(what, cache_access(c, lines[i]), pattern[i] == 'H');
	}
}

int main(void)
{
	struct cache c;
	/* Two sets of two ways: even lines in set 0, odd lines in set 1. */
	expect("256 B, 2-way, 64 B lines sets up", cache_init(&c, 256, 2, 64), 0);
	expect("sets", (int)c.sets, 2);
	static const unsigned seq[] = { 0, 2, 0, 4, 2, 0, 1, 3, 5, 1, 5, 0, 3 };
	/* set 0: 0 M [0]; 2 M [2 0]; 0 H [0 2]; 4 M [4 0]; 2 M [2 4]; 0 M [0 2]
	 * set 1: 1 M [1]; 3 M [3 1]; 5 M [5 3]; 1 M [1 5]; 5 H [5 1]
	 * then 0 H (set 0 is [0 2]); 3 M (set 1 [5 1] -> [3 5]) */
	script(&c, "2x2 LRU", seq, "MMHMMMMMMMHHM");
	expect("hits counted", (int)c.hits, 3);
	expect("misses counted", (int)c.misses, 10);
	/* A flush empties every set: 3 and 0 miss again, then hit. */
	cache_flush(&c);
	static const unsigned after[] = { 3, 0, 3, 0 };
	script(&c, "after a flush", after, "MMHH");
	cache_free(&c);

	/* Shapes that are not a cache are refused. */
	expect("a size that is not a power of two", cache_init(&c, 3000, 2, 64), -1);
	expect("no ways", cache_init(&c, 256, 0, 64), -1);

	/* The A53 hierarchy: L1 D has 128 sets of 4 ways, so lines 0, 128,
	 * 256, 384 and 512 share set 0; the L2 (512 sets, 16 ways) holds all
	 * five (0 and 512 share its set 0).  Five misses everywhere, then line 0
	 * again: evicted from the L1 (LRU), a hit in the L2. */
	struct a53 m;
	expect("A53 sets up", a53_init(&m, 1), 0);
	expect("L1 I sets (32 KiB, 2-way)", (int)m.l1i[0].sets, 256);
	expect("L1 D sets (32 KiB, 4-way)", (int)m.l1d[0].sets, 128);
	expect("L2 sets (512 KiB, 16-way)", (int)m.l2.sets, 512);
	for (unsigned l = 0; l <= 512; l += 128)
		a53_data(&m, 0, l, false);
	a53_data(&m, 0, 0, false);
	expect("L1 D misses", (int)m.l1d[0].misses, 6);
	expect("L2 misses", (int)m.l2.misses, 5);
	expect("L2 hits", (int)m.l2.hits, 1);
	/* A fetch of a line the data side brought into the L2: an L1 I miss, an L2 hit. */
	a53_fetch(&m, 0, 128);
	expect("L1 I misses", (int)m.l1i[0].misses, 1);
	expect("L2 hits after the fetch", (int)m.l2.hits, 2);
	/* Flushed, everything misses at every level. */
	a53_flush(&m);
	a53_data(&m, 0, 0, false);
	expect("L1 D misses after the flush", (int)m.l1d[0].misses, 7);
	expect("L2 misses after the flush", (int)m.l2.misses, 6);
	a53_free(&m);

	/* Two CPUs, one line X: each L1 D its own, the L2 shared, a store
	 * invalidating the other CPU's copy.
	 *   cpu0 load X: L1 miss, L2 miss      cpu1 load X: L1 miss, L2 hit
	 *   cpu0 load X: L1 hit                cpu1 store X: L1 hit, cpu0's copy goes
	 *   cpu0 load X: L1 miss, L2 hit       cpu1 load X: L1 hit (its copy stays) */
	expect("two CPUs set up", a53_init(&m, 2), 0);
	a53_data(&m, 0, 7, false);
	a53_data(&m, 1, 7, false);
	a53_data(&m, 0, 7, false);
	a53_data(&m, 1, 7, true);
	a53_data(&m, 0, 7, false);
	a53_data(&m, 1, 7, false);
	expect("cpu0 L1 D misses", (int)m.l1d[0].misses, 2);
	expect("cpu0 L1 D hits", (int)m.l1d[0].hits, 1);
	expect("cpu1 L1 D misses", (int)m.l1d[1].misses, 1);
	expect("cpu1 L1 D hits", (int)m.l1d[1].hits, 2);
	expect("L2 misses (two CPUs)", (int)m.l2.misses, 1);
	expect("L2 hits (two CPUs)", (int)m.l2.hits, 2);
	uint64_t sum[3];
	a53_misses(&m, sum);
	expect("summed L1 D misses", (int)sum[1], 3);
	a53_free(&m);
	/* Invalidation keeps a set's LRU order: lines 0 2 4 6 of a 4-way set,
	 * 2 dropped, then 8 fills the freed way without evicting 0. */
	expect("4-way set up", cache_init(&c, 256, 4, 64), 0);      /* one set */
	static const unsigned fill[] = { 0, 2, 4, 6 };
	script(&c, "fill", fill, "MMMM");
	expect("invalidate 2", cache_invalidate(&c, 2), 1);
	expect("invalidate 2 again", cache_invalidate(&c, 2), 0);
	static const unsigned more[] = { 8, 0, 4, 6, 8, 2 };
	/* [6 4 0] + 8 -> [8 6 4 0]: 0 4 6 8 hit; 2 misses and evicts the LRU. */
	script(&c, "after the invalidation", more, "MHHHHM");
	cache_free(&c);

	if (failures) {
		printf("test_cache: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_cache: the cache model's hits and misses match the hand-worked sequences\n");
	return 0;
}
