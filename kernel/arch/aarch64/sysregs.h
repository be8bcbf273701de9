/* System register bits the kernel uses, by name.  Included by C and asm. */
#ifndef ARCH_SYSREGS_H
#define ARCH_SYSREGS_H

#define HCR_EL2_RW          (1 << 31)
#define MDCR_EL2_HPMN_MASK  0x1f
#define SPSR_EL1H_MASKED    0x3c5       /* EL1h, D A I F masked */
#define SPSR_EL0T           0x000       /* EL0t, interrupts enabled */

#define SCTLR_M    (1ul << 0)   /* MMU */
#define SCTLR_A    (1ul << 1)   /* alignment checks, EL1 and EL0 */
#define SCTLR_C    (1ul << 2)   /* data cache */
#define SCTLR_SA   (1ul << 3)   /* SP alignment check at EL1 */
#define SCTLR_SA0  (1ul << 4)   /* SP alignment check at EL0 */
#define SCTLR_I    (1ul << 12)  /* instruction cache */
#define SCTLR_WXN  (1ul << 19)  /* writable implies execute-never */
#define SCTLR_RES1 ((1ul << 11) | (1ul << 20) | (1ul << 22) | (1ul << 23) | (1ul << 28) | (1ul << 29))

/* Exception classes (ESR_EL1[31:26]). */
#define EC_UNKNOWN     0x00
#define EC_WFX         0x01
#define EC_FP          0x07
#define EC_ILLEGAL     0x0e
#define EC_SVC64       0x15
#define EC_SYSREG      0x18
#define EC_IABT_LOW    0x20
#define EC_IABT_CUR    0x21
#define EC_PC_ALIGN    0x22
#define EC_DABT_LOW    0x24
#define EC_DABT_CUR    0x25
#define EC_SP_ALIGN    0x26
#define EC_SERROR      0x2f
#define EC_BRK64       0x3c

#endif
