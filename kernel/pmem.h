/*
 * Physical pages: the RAM above the kernel image, handed out in runs of
 * contiguous 4 KiB pages, always zeroed.  A bitmap, first fit: objects are
 * few and created at setup time, never on a measured path.
 * Locking: under the kernel lock (klock.h).
 */
#ifndef PMEM_H
#define PMEM_H
#include <stdint.h>

void pmem_init(uint64_t start, uint64_t end);
uint64_t pmem_alloc(unsigned npages);          /* physical address, 0 when none */
void pmem_free(uint64_t pa, unsigned npages);
uint64_t pmem_free_pages(void);

#endif
