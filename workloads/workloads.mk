# workloads/: the runtime shared by every workload (common/), the Linux runner
# (linux/), and (later) the kernel-side workloads (virt/).
#
# Outputs: $(BUILD)/workloads/ (host tests, freestanding check objects) and
# $(BUILD)/linux/ (the Linux runner).

WL_COMMON_DIR  := workloads/common
WL_COMMON_SRCS := $(WL_COMMON_DIR)/stream.c $(WL_COMMON_DIR)/params.c
WL_COMMON_HDRS := $(WL_COMMON_DIR)/stream.h $(WL_COMMON_DIR)/params.h
# The shared workloads: one a file, written against the runtime interface
# wl_rt.h; each platform's runtime supplies wl_rt_plat.h (its directory on
# the include path) and the functions (virt: kernel/kernel.mk links every
# workloads/common/*.c into the image; Linux: WL_LINUX_SRCS below).
WL_SHARED_SRCS := $(WL_COMMON_DIR)/wl_shared.c $(WL_COMMON_DIR)/wl_null_syscall.c \
                  $(WL_COMMON_DIR)/wl_yield.c $(WL_COMMON_DIR)/wl_ntfn_pingpong.c \
                  $(WL_COMMON_DIR)/wl_ring_pingpong.c $(WL_COMMON_DIR)/wl_mpsc.c
WL_SHARED_HDRS := $(WL_COMMON_DIR)/wl_rt.h $(WL_COMMON_DIR)/wl_shared.h
WL_BUILD       := $(BUILD)/workloads

WL_HOST_CC     ?= $(HOST_CC)
WL_WARN        := -Wall -Wextra -Werror
WL_SAN         := $(HOST_SAN_CFLAGS)

.PHONY: test-workloads test-workloads-host test-workloads-freestanding test-workloads-qemu

## test-workloads: unit tests of workloads/common (ASan+UBSan), the shared workloads on the fake runtime and on the ipclab kernel in QEMU, the freestanding build check
test-workloads: test-workloads-host test-workloads-freestanding test-workloads-qemu
TEST_TARGETS += test-workloads

$(WL_BUILD)/test_common: $(WL_COMMON_DIR)/test/test_common.c $(WL_COMMON_SRCS) \
                         $(WL_COMMON_HDRS) | deps
	@mkdir -p $(@D)
	$(WL_HOST_CC) -std=c11 -O1 -g $(WL_WARN) $(WL_SAN) -o $@ \
		$(WL_COMMON_DIR)/test/test_common.c $(WL_COMMON_SRCS)

# The shared workloads on the fake runtime (test/fake/: one CPU, threads
# scheduled like the kernel's, a counter that advances a known amount).
WL_FAKE_DIR := $(WL_COMMON_DIR)/test/fake
$(WL_BUILD)/test_shared: $(WL_COMMON_DIR)/test/test_shared.c $(WL_FAKE_DIR)/fake_rt.c \
                         $(WL_FAKE_DIR)/fake_rt.h $(WL_FAKE_DIR)/wl_rt_plat.h $(WL_SHARED_SRCS) \
                         $(WL_SHARED_HDRS) $(WL_COMMON_SRCS) $(WL_COMMON_HDRS) \
                         $(IPC_CORE_SRCS) $(IPC_CORE_HDRS) | deps
	@mkdir -p $(@D)
	$(WL_HOST_CC) -std=gnu11 -O1 -g $(WL_WARN) $(WL_SAN) -I$(WL_FAKE_DIR) -pthread -o $@ \
		$(WL_COMMON_DIR)/test/test_shared.c $(WL_FAKE_DIR)/fake_rt.c $(WL_SHARED_SRCS) \
		$(WL_COMMON_SRCS) $(IPC_CORE_SRCS)

test-workloads-host: $(WL_BUILD)/test_common $(WL_BUILD)/test_shared
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(call test_limit,120,$(WL_BUILD)/test_common)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(call test_limit,120,$(WL_BUILD)/test_shared)

# The same shared workloads on the ipclab runtime: booted in QEMU, exact mode.
test-workloads-qemu: $(KIMAGE) $(KQEMU_JSON) | deps
	PYTHONPATH=. $(call test_limit,300,$(PYTHON) workloads/test/test_virt.py $(KIMAGE))

# common/ links into user tasks with no libc: built exactly as a task is
# (TASK_CFLAGS, mk/toolchain.mk), the combined object must have no undefined
# symbol (no memcpy/memset slipped in by the compiler).
$(WL_BUILD)/common-freestanding.o: $(WL_COMMON_SRCS) $(WL_COMMON_HDRS) | deps
	@mkdir -p $(WL_BUILD)/fs
	$(foreach s,$(WL_COMMON_SRCS),$(XCC) $(TASK_CFLAGS) \
		-c $(s) -o $(WL_BUILD)/fs/$(notdir $(s:.c=.o)) &&) true
	$(XLD) -r -o $@ $(addprefix $(WL_BUILD)/fs/,$(notdir $(WL_COMMON_SRCS:.c=.o)))

test-workloads-freestanding: $(WL_BUILD)/common-freestanding.o $(TASK_RUNTIME_OBJ)
	@$(call test_limit,60,$(call check_freestanding,workloads/common,$<))

# ---- the Linux runner (platform `linux`) ------------------------------------

WL_LINUX_DIR  := workloads/linux
WL_LINUX_BIN  := $(BUILD)/linux/ipclab-linux
WL_LINUX_SRCS := $(WL_LINUX_DIR)/main.c $(WL_LINUX_DIR)/rt.c $(WL_LINUX_DIR)/rt_timer.c \
                 $(WL_LINUX_DIR)/rt_perf.c $(WL_LINUX_DIR)/rt_pair.c $(WL_LINUX_DIR)/rt_host.c \
                 $(WL_LINUX_DIR)/rt_wl.c $(WL_SHARED_SRCS) $(WL_LINUX_DIR)/msg.c \
                 $(WL_LINUX_DIR)/pingpong.c $(WL_LINUX_DIR)/transports.c \
                 $(WL_LINUX_DIR)/cacheline.c $(WL_LINUX_DIR)/throughput.c \
                 $(WL_LINUX_DIR)/refq.c
# The ring library and its Linux wakers and floor, as ipc/ipc.mk lists them
# (the top-level Makefile includes it before this fragment).
WL_IPC_SRCS   := $(IPC_CORE_SRCS) $(IPC_LINUX_SRCS)
WL_IPC_HDRS   := $(IPC_CORE_HDRS) $(IPC_LINUX_HDRS)
WL_LINUX_HDRS := $(wildcard $(WL_LINUX_DIR)/*.h) $(WL_COMMON_HDRS) $(WL_SHARED_HDRS) $(WL_IPC_HDRS)
# -I: the shared workloads find the Linux runtime's wl_rt_plat.h.
WL_LINUX_CFLAGS := -std=gnu11 -O2 -g $(WL_WARN) -I$(WL_LINUX_DIR)

.PHONY: linux-runner test-linux

## linux-runner: build/linux/ipclab-linux, the workloads as Linux processes (workload=list shows them)
linux-runner: $(WL_LINUX_BIN)

$(WL_LINUX_BIN): $(WL_LINUX_SRCS) $(WL_COMMON_SRCS) $(WL_IPC_SRCS) $(WL_LINUX_HDRS) | deps
	@mkdir -p $(@D)
	$(WL_HOST_CC) $(WL_LINUX_CFLAGS) -o $@ $(WL_LINUX_SRCS) $(WL_COMMON_SRCS) \
		$(WL_IPC_SRCS) -lm -lrt

# Headers of the runner (perf_event, futex, mqueue) and the test driver.
DEPS_PKGS += libc6-dev linux-libc-dev python3

## test-linux: the Linux runner (as built, and with ASan+UBSan): message checker, every baseline's exchange, faults, bad words
test-linux: $(WL_BUILD)/test_msg $(WL_LINUX_BIN) $(WL_BUILD)/ipclab-linux-asan
	$(call test_limit,60,$(WL_BUILD)/test_msg)
	PYTHONPATH=. $(call test_limit,300,$(PYTHON) $(WL_LINUX_DIR)/test/test_runner.py $(WL_LINUX_BIN))
	PYTHONPATH=. $(call test_limit,300,$(PYTHON) $(WL_LINUX_DIR)/test/test_runner.py --quick $(WL_BUILD)/ipclab-linux-asan)
TEST_TARGETS += test-linux

# The same runner with the sanitizers, for the tests only (never measured).
$(WL_BUILD)/ipclab-linux-asan: $(WL_LINUX_SRCS) $(WL_COMMON_SRCS) $(WL_IPC_SRCS) \
                               $(WL_LINUX_HDRS) | deps
	@mkdir -p $(@D)
	$(WL_HOST_CC) -std=gnu11 -O1 -g $(WL_WARN) $(WL_SAN) -I$(WL_LINUX_DIR) -o $@ $(WL_LINUX_SRCS) \
		$(WL_COMMON_SRCS) $(WL_IPC_SRCS) -lm -lrt

$(WL_BUILD)/test_msg: $(WL_LINUX_DIR)/test/test_msg.c $(WL_LINUX_DIR)/msg.c \
                      $(WL_LINUX_DIR)/msg.h | deps
	@mkdir -p $(@D)
	$(WL_HOST_CC) -std=gnu11 -O1 -g $(WL_WARN) $(WL_SAN) -o $@ \
		$(WL_LINUX_DIR)/test/test_msg.c $(WL_LINUX_DIR)/msg.c
