/* What the kernel reads from the device tree: /chosen/bootargs, the CPUs and the PSCI conduit. */
#ifndef FDT_H
#define FDT_H
#include <stddef.h>
#include <stdint.h>
/* Copies /chosen/bootargs into buf, at most n - 1 bytes and a NUL (nothing
 * when n is 0).  Returns the length of the property's value without its
 * terminating NUL (a string's length, when it is one well-formed string):
 * more than n - 1 means it did not fit and buf holds only its start, so a
 * caller always knows when it was cut.  Returns -1 when there is no valid
 * tree or no bootargs (buf = ""). */
int64_t fdt_bootargs(const void *dtb, char *buf, size_t n);

/* The CPUs of /cpus (its cpu@ nodes of device_type "cpu", in tree order,
 * with their reg, the MPIDR affinity) and the PSCI conduit of /psci's
 * method.  n counts every CPU, mpidr[] holds the first FDT_CPUS_MAX.
 * Returns 0, or -1 for a malformed tree (then n is 0). */
#include <stdbool.h>
#define FDT_CPUS_MAX 8
struct fdt_cpus {
	unsigned n;
	uint64_t mpidr[FDT_CPUS_MAX];
	bool psci_hvc, psci_smc;
};
int fdt_cpus(const void *dtb, struct fdt_cpus *out);
#endif
