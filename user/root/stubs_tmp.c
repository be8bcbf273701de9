#include "root.h"
int run_tests(const struct bootinfo *bi) { (void)bi; return 1; }
