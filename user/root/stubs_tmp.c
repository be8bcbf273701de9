#include "root.h"
int run_tests(const struct bootinfo *bi) { (void)bi; return 1; }
int run_demo(const struct bootinfo *bi)
{
	uprintf("root: up, bootargs '%s'\n", bi->bootargs);
	uint64_t best = ~0ull;
	for (int i = 0; i < 20; i++) {
		uint64_t t0 = read_cycles();
		sys_null();
		uint64_t t1 = read_cycles();
		if (t1 - t0 < best) best = t1 - t0;
	}
	uprintf("null syscall: %lu\n", best);
	return 0;
}
