/*
 * pmem.c: first-fit runs of zeroed pages, counts, reuse after free,
 * fragmentation, exhaustion returning 0, and the assertions that catch a
 * double or foreign free.  "Physical" memory is a heap buffer: the kernel
 * maps RAM 1:1, and so does the host (phys_to_virt is the identity).
 */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "kernel.h"
#include "pmem.h"
#include "stubs.h"

#define NP 64

static uint8_t *ram;
static uint64_t base;

static uint64_t pg(unsigned i) { return base + (uint64_t)i * PAGE_SIZE; }

static bool zeroed(uint64_t pa, unsigned n)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)pa;
	for (size_t i = 0; i < (size_t)n * PAGE_SIZE; i++)
		if (p[i])
			return false;
	return true;
}

static void test_alloc_free(void)
{
	memset(ram, 0xa5, NP * PAGE_SIZE);   /* dirty: alloc must zero */
	pmem_init(base, base + NP * PAGE_SIZE);
	CHECK_EQ(pmem_free_pages(), NP);
	CHECK_EQ(pmem_alloc(0), 0);
	CHECK_EQ(pmem_alloc(NP + 1), 0);
	CHECK_EQ(pmem_free_pages(), NP);
	uint64_t a = pmem_alloc(1), b = pmem_alloc(4), c = pmem_alloc(2);
	CHECK_EQ(a, pg(0));
	CHECK_EQ(b, pg(1));
	CHECK_EQ(c, pg(5));
	CHECK(zeroed(a, 1) && zeroed(b, 4) && zeroed(c, 2));
	CHECK(ram[7 * PAGE_SIZE] == 0xa5);   /* nothing beyond what was asked */
	CHECK_EQ(pmem_free_pages(), NP - 7);
	/* A hole of 4 pages is reused first fit; a run of 5 goes after c. */
	memset((void *)(uintptr_t)b, 0x11, 4 * PAGE_SIZE);
	pmem_free(b, 4);
	CHECK_EQ(pmem_free_pages(), NP - 3);
	uint64_t d = pmem_alloc(5);
	CHECK_EQ(d, pg(7));
	uint64_t e = pmem_alloc(3);
	CHECK_EQ(e, pg(1));
	CHECK(zeroed(e, 3));
	uint64_t f = pmem_alloc(1);
	CHECK_EQ(f, pg(4));
	/* Fragmentation: one-page holes do not make a two-page run. */
	pmem_free(a, 1);
	pmem_free(f, 1);
	CHECK_EQ(pmem_free_pages(), NP - 10);
	uint64_t g = pmem_alloc(2);
	CHECK_EQ(g, pg(12));
	/* Exhaustion: everything left, then nothing, then 0. */
	uint64_t left = pmem_free_pages();
	unsigned got = 0;
	while (pmem_alloc(1))
		got++;
	CHECK_EQ(got, left);
	CHECK_EQ(pmem_free_pages(), 0);
	CHECK_EQ(pmem_alloc(1), 0);
	pmem_free(pg(NP - 1), 1);
	CHECK_EQ(pmem_alloc(2), 0);
	CHECK_EQ(pmem_alloc(1), pg(NP - 1));
	/* Every page is in use now: give them all back, one at a time. */
	for (unsigned i = 0; i < NP; i++)
		pmem_free(pg(i), 1);
	CHECK_EQ(pmem_free_pages(), NP);
	CHECK_EQ(pmem_alloc(NP), pg(0));
	pmem_free(pg(0), NP);
}

static void test_asserts(void)
{
	uint64_t a = pmem_alloc(2);
	pmem_free(a, 2);
	CHECK(EXPECT_PANIC(pmem_free(a, 1)));                 /* double free */
	CHECK(EXPECT_PANIC(pmem_free(base - PAGE_SIZE, 1)));  /* below */
	CHECK(EXPECT_PANIC(pmem_free(base + 8, 1)));          /* misaligned */
	CHECK(EXPECT_PANIC(pmem_free(pg(NP - 1), 2)));        /* past the end */
	CHECK_EQ(pmem_free_pages(), NP);
}

int main(void)
{
	ram = aligned_alloc(PAGE_SIZE, NP * PAGE_SIZE);
	base = (uint64_t)(uintptr_t)ram;
	test_alloc_free();
	test_asserts();
	free(ram);
	return check_report("pmem");
}
