/*
 * A set-associative cache with true LRU replacement, and the Cortex-A53
 * hierarchy the plugin models (plugin/README.md has the model and what it
 * leaves out).  Addresses are physical; a cache sees line numbers
 * (address >> line_shift).  Flushing is O(1): every entry carries the
 * generation it was filled in, and a flush starts a new one.
 */
#ifndef IPCLAB_PLUGIN_CACHE_H
#define IPCLAB_PLUGIN_CACHE_H

#include <stdbool.h>
#include <stdint.h>

struct cache {
	unsigned sets, ways;
	unsigned set_shift;         /* log2(sets) */
	uint64_t *tag;              /* sets * ways line numbers, each set MRU first */
	uint32_t *gen;              /* the generation each entry was filled in */
	uint32_t cur;               /* the current generation */
	uint64_t hits, misses;
};

/* size and line in bytes (powers of two); returns 0, or -1 for a bad shape. */
int cache_init(struct cache *c, uint64_t size, unsigned ways, unsigned line);
void cache_free(struct cache *c);
/* One access to line number `line`; true on a hit.  A miss fills the line
 * as most recently used and evicts the least recently used of its set. */
bool cache_access(struct cache *c, uint64_t line);
/* Every line invalid (the hit and miss counters are kept). */
void cache_flush(struct cache *c);

/* Drop `line` from the cache if it holds it; true when it did. */
bool cache_invalidate(struct cache *c, uint64_t line);

/* The modelled Cortex-A53 cluster: per CPU an L1 I of 32 KiB 2-way and an
 * L1 D of 32 KiB 4-way, one unified L2 of 512 KiB 16-way, 64-byte lines,
 * LRU everywhere; an L1 miss looks in the L2 (non-inclusive: the L2 is
 * filled on its own misses only); stores allocate like loads, and a store
 * takes the line out of every other CPU's L1 D (the coherence protocol's
 * invalidation; the next access there misses). */
#define A53_LINE_SHIFT 6
#define A53_MAX_CPUS 8
struct a53 {
	unsigned ncpus;
	struct cache l1i[A53_MAX_CPUS], l1d[A53_MAX_CPUS], l2;
};
int a53_init(struct a53 *m, unsigned ncpus);
void a53_free(struct a53 *m);
void a53_flush(struct a53 *m);
/* An instruction fetch, or a data access, of one line number by one CPU. */
void a53_fetch(struct a53 *m, unsigned cpu, uint64_t line);
void a53_data(struct a53 *m, unsigned cpu, uint64_t line, bool store);
/* Misses of the L1 Is, the L1 Ds (summed over the CPUs) and the L2. */
void a53_misses(const struct a53 *m, uint64_t out[3]);

#endif
