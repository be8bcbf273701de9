# The kernel's tests: host-native unit tests of kernel logic that needs no
# hardware (kernel/test/host/, ASan+UBSan), and the in-QEMU suite
# (kernel/test/qemu/, compiled into the user image by kernel.mk and run by
# the root task on `-append test`).

KT_HOST_DIR   := kernel/test/host
KT_HOST_BUILD := $(BUILD)/kernel/test/host
KT_HOST_CC    ?= $(HOST_CC)
KT_HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -DKERNEL_HOST_TEST $(HOST_SAN_CFLAGS) \
	-Ikernel/include -Ikernel -Ikernel/arch/aarch64 -Ikernel/plat/virt -I$(KT_HOST_DIR)

# Each test: its file, the kernel sources it tests, and the stubs it needs.
KT_HOST_TESTS := cap sched fmt fdt pmem rootargs
KT_SRCS_cap   := kernel/cap.c $(KT_HOST_DIR)/stubs.c
KT_SRCS_sched := kernel/sched.c $(KT_HOST_DIR)/stubs.c
KT_SRCS_fmt   := kernel/lib/fmt.c
KT_SRCS_fdt   := kernel/fdt.c
KT_SRCS_pmem  := kernel/pmem.c $(KT_HOST_DIR)/stubs.c
KT_SRCS_rootargs := user/root/args.c kernel/lib/fmt.c
KT_HOST_BINS  := $(addprefix $(KT_HOST_BUILD)/test_,$(KT_HOST_TESTS))

# One rule per test (eval, so that no secondary expansion leaks into the
# fragments included after this one).
define KT_HOST_RULE
$$(KT_HOST_BUILD)/test_$(1): $$(KT_HOST_DIR)/test_$(1).c $$(KT_SRCS_$(1)) $$(KT_HOST_HDRS) | deps
	@mkdir -p $$(@D)
	@echo "  HOSTCC  $$@"
	@$$(KT_HOST_CC) $$(KT_HOST_CFLAGS) -o $$@ $$< $$(KT_SRCS_$(1))
endef
KT_HOST_HDRS := $(wildcard $(KT_HOST_DIR)/*.h kernel/*.h kernel/lib/*.h kernel/include/ipclab/*.h \
                           kernel/arch/aarch64/*.h kernel/plat/virt/*.h)
$(foreach t,$(KT_HOST_TESTS),$(eval $(call KT_HOST_RULE,$(t))))

## test-kernel-host: host unit tests of kernel logic (cap, sched, fmt, fdt, pmem) and the root task's boot arguments, under ASan+UBSan
test-kernel-host: $(KT_HOST_BINS) | deps
	@set -e; for t in $(KT_HOST_BINS); do \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(call test_limit,120,$$t); \
	done

# The in-QEMU suite, in exact mode: QEMU's status must be 0 and the output
# must end the run with "N passed, 0 failed".
KT_QEMU_LOG := $(BUILD)/kernel/test/qemu.log

## test-kernel-qemu: the in-QEMU kernel tests (faults, preemption, isolation, syscall errors, IPC, fuzzer)
test-kernel-qemu: $(KIMAGE) | deps
	@mkdir -p $(dir $(KT_QEMU_LOG))
	@echo "  QEMU    -append test (log: $(KT_QEMU_LOG))"
	@status=0; $(call test_timeout,300) $(call qemu_cmd,exact,$(KIMAGE),test) > $(KT_QEMU_LOG) 2>&1 || status=$$?; \
	tr -d '\r' < $(KT_QEMU_LOG) | grep -E '^\[(test|fuzz)\]|FAILED|passed, [0-9]+ failed|KERNEL|DEADLOCK|panic' ; \
	if [ $$status -ne 0 ]; then \
		echo "test-kernel-qemu: QEMU exited with status $$(./mk/exit-status.sh $$status)"; exit 1; fi; \
	if ! tr -d '\r' < $(KT_QEMU_LOG) | grep -qE '^[0-9]+ passed, 0 failed$$'; then \
		echo "test-kernel-qemu: no 'N passed, 0 failed' line"; exit 1; fi

# Several CPUs: the whole suite with 2 and 4 CPUs in exact mode (the
# vCPUs round robin, deterministic; the single-CPU tests must pass
# unchanged, the SMP tests of t_smp.c run), and the SMP tests (test=smp_*,
# the SMP fuzzer among them) with 2 and 4 CPUs in timed mode
# (multi-threaded TCG: the vCPUs really run in parallel, where a race in
# the kernel shows).  The four runs go in parallel, each with its own log.
KT_SMP_RUNS := exact:2 exact:4 timed:2 timed:4
KT_SMP_ARGS_exact := test
KT_SMP_ARGS_timed := test=smp_*
KT_SMP_LOG = $(BUILD)/kernel/test/qemu-smp-$(subst :,-,$(1)).log
KT_SMP_MODE = $(word 1,$(subst :, ,$(1)))
# $(call KT_SMP_ONE,MODE:CPUS): one run in the background, its status in its log's .status.
KT_SMP_ONE = ( s=0; $(call test_timeout,300) $(call qemu_cmd,$(call KT_SMP_MODE,$(1)),$(KIMAGE),$(KT_SMP_ARGS_$(call KT_SMP_MODE,$(1))),,$(word 2,$(subst :, ,$(1)))) \
	> $(call KT_SMP_LOG,$(1)) 2>&1 || s=$$?; echo $$s > $(call KT_SMP_LOG,$(1)).status ) &
# $(call KT_SMP_CHECK,MODE:CPUS): its outcome, as test-kernel-qemu checks it,
# and the SMP tests must have run (not been skipped).
KT_SMP_CHECK = s=$$(cat $(call KT_SMP_LOG,$(1)).status); log=$(call KT_SMP_LOG,$(1)); \
	nsmp=$$(tr -d '\r' < $$log | grep -c '^\[test\] smp_.* ok$$'); \
	if [ "$$s" -ne 0 ] || ! tr -d '\r' < $$log | grep -qE '^[0-9]+ passed, 0 failed$$' || [ $$nsmp -ne $(KT_SMP_NTESTS) ]; then \
		tr -d '\r' < $$log | grep -E 'FAILED|skipped|KERNEL|DEADLOCK|panic|passed, [0-9]+ failed' | head -20; \
		echo "test-kernel-smp: $(1): QEMU exited with status $$(./mk/exit-status.sh $$s), $$nsmp of $(KT_SMP_NTESTS) SMP tests ok (log: $$log)"; fail=1; \
	else echo "  ok      $(1): $$(tr -d '\r' < $$log | grep -E '^[0-9]+ passed') ($$nsmp SMP tests)"; fi;
KT_SMP_NTESTS := $(shell grep -c '\.name = "smp_' kernel/test/qemu/harness.c)

## test-kernel-smp: with 2 and 4 CPUs, the in-QEMU suite in exact mode and its SMP tests in timed mode
test-kernel-smp: $(KIMAGE) | deps
	@mkdir -p $(BUILD)/kernel/test
	@echo "  QEMU    on $(KT_SMP_RUNS) (mode:CPUs, in parallel): exact '$(KT_SMP_ARGS_exact)', timed '$(KT_SMP_ARGS_timed)'"
	@$(foreach r,$(KT_SMP_RUNS),$(call KT_SMP_ONE,$(r))) wait; \
	fail=0; $(foreach r,$(KT_SMP_RUNS),$(call KT_SMP_CHECK,$(r))) exit $$fail

# Booting: the seed's demonstration (what `make run` shows) entered at EL1,
# and at EL2 (`virtualization=on`), which must drop to EL1; each must print
# its PASS line and exit 0 through semihosting.
# One boot of the demonstration entered at $(1) (el1 or el2: mk/qemu.mk's QEMU_ENTRY_*).
KT_BOOT = echo "  QEMU    the demonstration, entered at $(1) ($(or $(QEMU_ENTRY_$(1)),no option))"; \
	status=0; out=$$($(call test_timeout,60) $(call qemu_cmd,exact,$(KIMAGE),,$(1)) 2>&1) || status=$$?; \
	[ $$status -eq 0 ] || { echo "$$out"; \
		echo "test-kernel-boot: entered at $(1), QEMU exited with status $$(./mk/exit-status.sh $$status)"; exit 1; }; \
	echo "$$out" | tr -d '\r' | grep -q '^demo: .*: PASS$$' || { echo "$$out"; \
		echo "test-kernel-boot: no PASS line entered at $(1)"; exit 1; };
## test-kernel-boot: the demonstration boots and exits 0, entered at EL1 and at EL2
test-kernel-boot: $(KIMAGE) | deps
	@set -e; $(foreach el,el1 el2,$(call KT_BOOT,$(el)))

# Boot arguments the image does not understand are refused, never ignored
# or cut: each must end QEMU with IPCLAB_EXIT_ARGS (abi.h) and a `root:`
# line naming what is wrong.
KT_ARGS_EXIT := $(shell sed -n 's/^[[:space:]]*IPCLAB_EXIT_ARGS[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' kernel/include/ipclab/abi.h)
KT_ARGS_LONG := test$(shell printf '%1020s' '')
# $(call KT_REFUSE,ARGS,WHAT THE root: LINE NAMES,HOW TO SHOW ARGS)
KT_REFUSE = echo "  QEMU    -append $(3) (must be refused)"; \
	status=0; out=$$($(call test_timeout,60) $(call qemu_cmd,exact,$(KIMAGE),$(1)) 2>&1) || status=$$?; \
	[ $$status -eq $(KT_ARGS_EXIT) ] || { echo "$$out" | tail -5; \
		echo "test-kernel-args: $(3): QEMU exited with status $$(./mk/exit-status.sh $$status), want $(KT_ARGS_EXIT)"; exit 1; }; \
	echo "$$out" | tr -d '\r' | grep -q "^root: .*$(2)" || { echo "$$out" | tail -5; \
		echo "test-kernel-args: $(3): no 'root:' line naming $(2)"; exit 1; };
## test-kernel-args: boot arguments the image does not understand (unknown words, extra words, 1024 bytes or more) are refused with exit status IPCLAB_EXIT_ARGS
test-kernel-args: $(KIMAGE) | deps
	@set -e; $(call KT_REFUSE,nonsense,'nonsense','nonsense') \
	$(call KT_REFUSE,test extra,'extra','test extra') \
	$(call KT_REFUSE,$(KT_ARGS_LONG),1024 bytes,'test' + 1020 spaces)

TEST_TARGETS += test-kernel-host test-kernel-qemu test-kernel-smp test-kernel-boot test-kernel-args
