/* The tests of the in-QEMU suite, one function each (the table is in harness.c). */
#ifndef TEST_TESTS_H
#define TEST_TESTS_H

/* t_fault.c */
void test_fault_data_unmapped(void);
void test_fault_data_kernel(void);
void test_fault_write_kernel(void);
void test_fault_instr_unmapped(void);
void test_fault_instr_data(void);
void test_fault_undef(void);
void test_fault_fp(void);
void test_fault_sysreg(void);
void test_fault_other(void);
void test_fault_align_data(void);
void test_fault_align_pc(void);
void test_fault_align_sp(void);
void test_fault_stack_overflow(void);
void test_fault_write_code(void);
void test_fault_write_ro_frame(void);
void test_fault_thread_sibling(void);
void test_fault_unstarted_sibling(void);
void test_exec_never(void);
/* t_sched.c */
void test_prio_strict(void);
void test_prio_no_starvation(void);
void test_equal_prio_share(void);
void test_isolation_private(void);
void test_isolation_other_map(void);
/* t_errors.c */
void test_err_nosys(void);
void test_regs_scrubbed(void);
void test_err_slots(void);
void test_err_rights(void);
void test_err_create(void);
void test_err_task_create(void);
void test_err_puts(void);
void test_err_cap_copy(void);
void test_err_start_status(void);
void test_err_msg(void);
void test_err_shutdown(void);
/* t_ntfn.c */
void test_ntfn_coalesce(void);
void test_ntfn_poll_peek(void);
void test_ntfn_fifo(void);
void test_ntfn_wake_higher(void);
void test_ntfn_wake_lower(void);
void test_ntfn_badge_mint(void);
void test_ntfn_rights(void);
/* t_ep.c */
void test_ep_call_sizes(void);
void test_ep_reply_only_caller(void);
void test_ep_noreply_wouldblock(void);
void test_ep_reply(void);
void test_ep_abandoned_caller(void);
void test_stop(void);
void test_ep_badge(void);
void test_ep_grant(void);
void test_ep_grant_denied(void);
void test_no_cap_no_access(void);
/* t_msg.c */
void test_ep_routing_queued(void);
void test_ep_routing_reverse(void);
void test_ep_long_slow(void);
/* t_preempt.c */
void test_preempt_reply_recv_queued(void);
void test_preempt_abandon_queued(void);
/* t_frame.c */
void test_frame_shared(void);
void test_frame_map_errors(void);
void test_pool_exhaustion(void);
void test_task_unstarted_freed(void);
/* t_life.c */
void test_life_exit_task_cap_first(void);
void test_life_exit_thread_cap_first(void);
void test_life_stop_task_cap_first(void);
void test_life_stop_thread_cap_first(void);
/* t_smp.c */
void test_smp_placement(void);
void test_smp_ntfn(void);
void test_smp_call(void);
void test_smp_grant(void);
void test_smp_fault(void);
void test_smp_stop_exit(void);
void test_smp_clock(void);
void test_smp_stop_kick(void);
void test_smp_set_cpu_queued(void);
void test_fuzz_smp(void);
/* t_release.c */
void test_ep_deleted_waiting(void);
void test_ntfn_deleted_waiting(void);
void test_ep_caller_stopped(void);
void test_thread_unstarted_deleted(void);
void test_bound_ntfn_rebind(void);
void test_task_create_no_thread(void);
/* t_fuzz.c */
void test_fuzz(void);
void test_fuzz_seed2(void);

#endif
