/*
 * Translation tables: 4 KiB granule, 39-bit virtual addresses, walks that
 * start at level 1 (1 GiB per entry).  Every address space's level-1 table
 * begins with the kernel's two global entries (devices: a 1 GiB block; RAM:
 * a shared level-2 table), so the kernel runs on the same mapping in every
 * address space and a switch only writes TTBR0 with the task's ASID.  User
 * pages are non-global.
 *
 * The kernel's RAM is mapped 1:1, EL1 only, W^X: 2 MiB blocks read-write
 * and never executable, except the block that holds the kernel image,
 * mapped by pages: its code read-only and executable, its read-only data
 * read-only, the rest read-write (kernel.ld puts page boundaries between
 * them).  SCTLR_EL1.WXN enforces that nothing writable is executable.
 */
#include "kernel.h"
#include "pmem.h"
#include "sysregs.h"

#define PTE_VALID    (1ull << 0)
#define PTE_TABLE    (1ull << 1)   /* at levels 1-2: next table; at level 3: page */
#define PTE_ATTR(i)  ((uint64_t)(i) << 2)
#define PTE_AP_EL0   (1ull << 6)   /* EL0 may access */
#define PTE_AP_RO    (1ull << 7)   /* read-only */
#define PTE_SH_INNER (3ull << 8)
#define PTE_AF       (1ull << 10)
#define PTE_NG       (1ull << 11)
#define PTE_PXN      (1ull << 53)
#define PTE_UXN      (1ull << 54)
#define PTE_ADDR     0x0000fffffffff000ull

#define ATTR_DEVICE  0   /* MAIR attr0: Device-nGnRnE */
#define ATTR_NORMAL  1   /* MAIR attr1: Normal, write-back, read/write-allocate */
#define MAIR_VALUE   (0x00ull | (0xffull << 8))

#define TCR_T0SZ     (64 - 39)
#define TCR_IRGN0_WB (1ull << 8)
#define TCR_ORGN0_WB (1ull << 10)
#define TCR_SH0_IS   (3ull << 12)
#define TCR_EPD1     (1ull << 23)  /* no TTBR1 walks: the kernel lives in TTBR0's global entries */
#define TCR_IPS_40   (2ull << 32)

#define KERNEL_L1_ENTRIES 2        /* 0-1 GiB devices, 1-2 GiB RAM */

static uint64_t kernel_l1[512] __attribute__((aligned(PAGE_SIZE)));
static uint64_t kernel_l2[512] __attribute__((aligned(PAGE_SIZE)));   /* RAM, 2 MiB each */
static uint64_t kernel_l3[512] __attribute__((aligned(PAGE_SIZE)));   /* the image's 2 MiB */

extern char __kernel_start[], __kernel_text_end[], __kernel_rodata_end[];

static unsigned idx(uint64_t va, int level) { return (unsigned)(va >> (39 - 9 * level)) & 511; }

void mmu_init_cpu(void);

void mmu_init(void)
{
	kernel_l1[0] = 0x00000000ull | PTE_VALID | PTE_ATTR(ATTR_DEVICE) | PTE_AF |
	               PTE_PXN | PTE_UXN;
	const uint64_t ram = PTE_VALID | PTE_ATTR(ATTR_NORMAL) | PTE_AF | PTE_SH_INNER | PTE_UXN;
	const uint64_t ram_base = 0x40000000ull, block = 2ull << 20;
	uint64_t kstart = virt_to_phys(__kernel_start), kblock = (kstart - ram_base) / block;
	for (uint64_t i = 0; i < 512; i++)
		kernel_l2[i] = (ram_base + i * block) | ram | PTE_PXN;
	for (uint64_t j = 0; j < 512; j++) {
		uint64_t pa = ram_base + kblock * block + j * PAGE_SIZE;
		uint64_t e = pa | ram | PTE_VALID | PTE_TABLE;
		if (pa < virt_to_phys(__kernel_text_end) && pa >= kstart)
			e |= PTE_AP_RO;                 /* code: read-only, executable */
		else if (pa < virt_to_phys(__kernel_rodata_end) && pa >= kstart)
			e |= PTE_AP_RO | PTE_PXN;       /* read-only data */
		else
			e |= PTE_PXN;                   /* everything else: read-write */
		kernel_l3[j] = e;
	}
	kernel_l2[kblock] = virt_to_phys(kernel_l3) | PTE_VALID | PTE_TABLE;
	kernel_l1[1] = virt_to_phys(kernel_l2) | PTE_VALID | PTE_TABLE;
	mmu_init_cpu();
}

/* This CPU's translation registers, on the tables mmu_init built. */
void mmu_init_cpu(void)
{
	write_sysreg(mair_el1, MAIR_VALUE);
	write_sysreg(tcr_el1, TCR_T0SZ | TCR_IRGN0_WB | TCR_ORGN0_WB | TCR_SH0_IS |
	                      TCR_EPD1 | TCR_IPS_40);
	write_sysreg(ttbr0_el1, virt_to_phys(kernel_l1));
	__asm__ volatile("tlbi vmalle1" ::: "memory");
	dsb(ish);
	isb();
}

uint64_t *arch_kernel_l1(void) { return kernel_l1; }

/* W^X of the kernel's own mapping: no entry both writable and executable
 * at EL1, none executable at EL0, and every code page executable and
 * read-only.  For the self-check. */
unsigned arch_check_kernel_wx(void)
{
	unsigned bad = 0;
	uint64_t text_start = virt_to_phys(__kernel_start), text_end = virt_to_phys(__kernel_text_end);
	for (int i = 0; i < 512; i++) {
		uint64_t e = kernel_l2[i];
		if ((e & PTE_TABLE) && (e & PTE_VALID))
			continue;   /* the image's block: its pages are below */
		bad += !(e & PTE_PXN) || !(e & PTE_UXN);
	}
	for (int j = 0; j < 512; j++) {
		uint64_t e = kernel_l3[j], pa = e & PTE_ADDR;
		bool exec = !(e & PTE_PXN), writable = !(e & PTE_AP_RO);
		bool code = pa >= text_start && pa < text_end;
		bad += (exec && writable) || !(e & PTE_UXN) || (e & PTE_AP_EL0) || exec != code;
	}
	return bad;
}

/* The user half of an address space: every page EL0-accessible,
 * non-global and never executable at EL1; executable at EL0 only inside
 * [code_start, code_end) (the shared code), and read-only there.  For the
 * self-check: this is the rule whatever a task's mappings are (data,
 * stacks, IPC buffers, boot info, frames). */
unsigned arch_check_user_exec(const uint64_t *l1, uint64_t code_start, uint64_t code_end)
{
	unsigned bad = 0;
	for (uint64_t i = KERNEL_L1_ENTRIES; i < 512; i++) {
		if (!(l1[i] & PTE_VALID))
			continue;
		bad += !(l1[i] & PTE_TABLE);
		const uint64_t *l2 = phys_to_virt(l1[i] & PTE_ADDR);
		for (uint64_t j = 0; j < 512; j++) {
			if (!(l2[j] & PTE_VALID))
				continue;
			bad += !(l2[j] & PTE_TABLE);
			const uint64_t *l3 = phys_to_virt(l2[j] & PTE_ADDR);
			for (uint64_t k = 0; k < 512; k++) {
				uint64_t e = l3[k];
				if (!(e & PTE_VALID))
					continue;
				uint64_t va = i << 30 | j << 21 | k << 12;
				bool code = va >= code_start && va < code_end;
				bool uexec = !(e & PTE_UXN);
				bad += !(e & PTE_PXN) || !(e & PTE_AP_EL0) || !(e & PTE_NG) ||
				       uexec != code || (uexec && !(e & PTE_AP_RO));
			}
		}
	}
	return bad;
}

uint64_t arch_ttbr(uint64_t *l1, unsigned asid)
{
	return virt_to_phys(l1) | ((uint64_t)asid << 48);
}

uint64_t *arch_vspace_create(void)
{
	uint64_t pa = pmem_alloc(1);
	if (!pa)
		return NULL;
	uint64_t *l1 = phys_to_virt(pa);
	for (int i = 0; i < KERNEL_L1_ENTRIES; i++)
		l1[i] = kernel_l1[i];
	dsb(ishst);
	return l1;
}

static void flush_asid(unsigned asid)
{
	dsb(ishst);
	__asm__ volatile("tlbi aside1is, %0" : : "r"((uint64_t)asid << 48) : "memory");
	dsb(ish);
	isb();
}

void arch_vspace_destroy(uint64_t *l1, unsigned asid)
{
	for (int i = KERNEL_L1_ENTRIES; i < 512; i++) {
		if (!(l1[i] & PTE_VALID))
			continue;
		uint64_t *l2 = phys_to_virt(l1[i] & PTE_ADDR);
		for (int j = 0; j < 512; j++)
			if (l2[j] & PTE_VALID)
				pmem_free(l2[j] & PTE_ADDR, 1);
		pmem_free(virt_to_phys(l2), 1);
	}
	pmem_free(virt_to_phys(l1), 1);
	flush_asid(asid);
}

/* The level-3 entry for va, allocating the tables on the way if asked. */
static uint64_t *walk(uint64_t *l1, uint64_t va, bool alloc)
{
	uint64_t *table = l1;
	for (int level = 1; level < 3; level++) {
		uint64_t *e = &table[idx(va, level)];
		if (!(*e & PTE_VALID)) {
			if (!alloc)
				return NULL;
			uint64_t pa = pmem_alloc(1);
			if (!pa)
				return NULL;
			*e = pa | PTE_VALID | PTE_TABLE;
		}
		KASSERT(*e & PTE_TABLE);   /* user space never has blocks */
		table = phys_to_virt(*e & PTE_ADDR);
	}
	return &table[idx(va, 3)];
}

int arch_map_page(uint64_t *l1, uint64_t va, uint64_t pa, unsigned flags)
{
	uint64_t *pte = walk(l1, va, true);
	if (!pte)
		return -1;
	KASSERT(!(*pte & PTE_VALID));
	uint64_t e = pa | PTE_VALID | PTE_TABLE | PTE_ATTR(ATTR_NORMAL) | PTE_AF | PTE_SH_INNER |
	             PTE_NG | PTE_AP_EL0 | PTE_PXN;
	if (!(flags & VM_WRITE))
		e |= PTE_AP_RO;
	if (!(flags & VM_EXEC))
		e |= PTE_UXN;
	dsb(ishst);
	*pte = e;
	dsb(ishst);
	return 0;
}

uint64_t arch_unmap_page(uint64_t *l1, unsigned asid, uint64_t va)
{
	uint64_t *pte = walk(l1, va, false);
	if (!pte || !(*pte & PTE_VALID))
		return 0;
	uint64_t pa = *pte & PTE_ADDR;
	*pte = 0;
	dsb(ishst);
	__asm__ volatile("tlbi vae1is, %0" : : "r"((va >> 12) | ((uint64_t)asid << 48)) : "memory");
	dsb(ish);
	isb();
	return pa;
}

uint64_t arch_lookup(uint64_t *l1, uint64_t va, unsigned *flags)
{
	uint64_t *pte = walk(l1, va, false);
	if (!pte || !(*pte & PTE_VALID))
		return 0;
	if (flags)
		*flags = VM_READ | ((*pte & PTE_AP_RO) ? 0 : VM_WRITE) | ((*pte & PTE_UXN) ? 0 : VM_EXEC);
	return (*pte & PTE_ADDR) | (va & (PAGE_SIZE - 1));
}
