#include "harness.h"
#include "tests.h"
void test_fuzz(void) { t_fail(__FILE__, __LINE__, "not written yet"); }
