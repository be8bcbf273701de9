#include "kernel.h"
#include "pmem.h"

#define MAX_PAGES (PLAT_RAM_SIZE / PAGE_SIZE)

static uint64_t used[MAX_PAGES / 64];   /* bit set: page in use or not RAM we own */
static uint64_t base, npages, nfree;

static bool page_used(uint64_t i) { return used[i / 64] >> (i % 64) & 1; }
static void page_set(uint64_t i, bool v)
{
	if (v)
		used[i / 64] |= 1ull << (i % 64);
	else
		used[i / 64] &= ~(1ull << (i % 64));
}

void pmem_init(uint64_t start, uint64_t end)
{
	base = start;
	npages = (end - start) / PAGE_SIZE;
	KASSERT(npages <= MAX_PAGES);
	nfree = npages;
}

uint64_t pmem_alloc(unsigned n)
{
	if (n == 0 || n > nfree)
		return 0;
	uint64_t run = 0;
	for (uint64_t i = 0; i < npages; i++) {
		if (page_used(i)) {
			run = 0;
			continue;
		}
		if (++run == n) {
			uint64_t first = i + 1 - n;
			for (uint64_t j = first; j <= i; j++)
				page_set(j, true);
			nfree -= n;
			uint64_t pa = base + first * PAGE_SIZE;
			memset(phys_to_virt(pa), 0, (size_t)n * PAGE_SIZE);
			return pa;
		}
	}
	return 0;
}

void pmem_free(uint64_t pa, unsigned n)
{
	KASSERT(pa >= base && ALIGNED(pa, PAGE_SIZE));
	uint64_t first = (pa - base) / PAGE_SIZE;
	KASSERT(first + n <= npages);
	for (uint64_t j = first; j < first + n; j++) {
		KASSERT(page_used(j));
		page_set(j, false);
	}
	nfree += n;
}

uint64_t pmem_free_pages(void) { return nfree; }
