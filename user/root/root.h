/* The root task's parts: each returns the machine's exit status. */
#ifndef ROOT_H
#define ROOT_H
#include "ulib.h"

/* The whole suite when `only` is "", else the one test of that name
 * (IPCLAB_EXIT_ARGS when there is none). */
enum ipclab_exit run_tests(const struct bootinfo *bi, const char *only);
/* workloads/virt: 0 when the run succeeded (any other value is a failure). */
int run_workload(const struct bootinfo *bi);
enum ipclab_exit run_demo(const struct bootinfo *bi);

#endif
