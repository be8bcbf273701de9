#include "harness.h"
#include "tests.h"
void test_ep_call_sizes(void) { t_fail(__FILE__, __LINE__, "not written yet"); }
void test_ep_reply_only_caller(void) { t_fail(__FILE__, __LINE__, "not written yet"); }
void test_ep_noreply_wouldblock(void) { t_fail(__FILE__, __LINE__, "not written yet"); }
void test_ep_badge(void) { t_fail(__FILE__, __LINE__, "not written yet"); }
void test_ep_grant(void) { t_fail(__FILE__, __LINE__, "not written yet"); }
void test_ep_grant_denied(void) { t_fail(__FILE__, __LINE__, "not written yet"); }
void test_no_cap_no_access(void) { t_fail(__FILE__, __LINE__, "not written yet"); }
void test_frame_shared(void) { t_fail(__FILE__, __LINE__, "not written yet"); }
void test_frame_map_errors(void) { t_fail(__FILE__, __LINE__, "not written yet"); }
void test_pool_exhaustion(void) { t_fail(__FILE__, __LINE__, "not written yet"); }
void test_fuzz(void) { t_fail(__FILE__, __LINE__, "not written yet"); }
