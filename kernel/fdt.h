/* Reading the one thing the kernel wants from the device tree: /chosen/bootargs. */
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
#endif
