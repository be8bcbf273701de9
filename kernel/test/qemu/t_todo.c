#include "harness.h"
#include "tests.h"
void test_ntfn_coalesce(void) { t_fail(__FILE__, __LINE__, "not written yet"); }
void test_ntfn_poll_peek(void) { t_fail(__FILE__, __LINE__, "not written yet"); }
void test_ntfn_fifo(void) { t_fail(__FILE__, __LINE__, "not written yet"); }
void test_ntfn_wake_higher(void) { t_fail(__FILE__, __LINE__, "not written yet"); }
void test_ntfn_wake_lower(void) { t_fail(__FILE__, __LINE__, "not written yet"); }
void test_ntfn_badge_mint(void) { t_fail(__FILE__, __LINE__, "not written yet"); }
void test_ntfn_rights(void) { t_fail(__FILE__, __LINE__, "not written yet"); }
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
