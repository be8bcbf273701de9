/* The root task's parts: each returns the machine's exit status. */
#ifndef ROOT_H
#define ROOT_H
#include "ulib.h"

int run_tests(const struct bootinfo *bi);
int run_workload(const struct bootinfo *bi);
int run_demo(const struct bootinfo *bi);

#endif
