/* Reading the one thing the kernel wants from the device tree: /chosen/bootargs. */
#ifndef FDT_H
#define FDT_H
#include <stddef.h>
#include <stdint.h>
/* Copies /chosen/bootargs (NUL-terminated, truncated to n-1) into buf.
 * Returns 0, or -1 when there is no valid tree or no bootargs (buf = ""). */
int fdt_bootargs(const void *dtb, char *buf, size_t n);
#endif
