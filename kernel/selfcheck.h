/*
 * The kernel's self-check: every object invariant stated in the headers,
 * checked over all objects.  Returns the number of violations, printing
 * each.  Run by SYS_SELFCHECK (after the fuzzer, for instance).
 */
#ifndef SELFCHECK_H
#define SELFCHECK_H
unsigned selfcheck(void);
#endif
