# workloads/: the runtime shared by every workload (common/), the Linux runner
# (linux/), and (later) the kernel-side workloads (virt/).
#
# Outputs: $(BUILD)/workloads/ (host tests, freestanding check objects) and
# $(BUILD)/linux/ (the Linux runner).

WL_COMMON_DIR  := workloads/common
WL_COMMON_SRCS := $(WL_COMMON_DIR)/stream.c $(WL_COMMON_DIR)/params.c
WL_COMMON_HDRS := $(WL_COMMON_DIR)/stream.h $(WL_COMMON_DIR)/params.h
WL_BUILD       := $(BUILD)/workloads

WL_HOST_CC     ?= gcc
WL_CROSS       ?= aarch64-linux-gnu-
WL_WARN        := -Wall -Wextra -Werror
WL_SAN         := -fsanitize=address,undefined -fno-omit-frame-pointer \
                  -fno-sanitize-recover=all
# The flags of an ipclab user task: what common/ must build under.
WL_FREESTANDING_CFLAGS := -std=c11 -ffreestanding -nostdlib -fno-pie \
                  -mgeneral-regs-only -mno-outline-atomics -O2 $(WL_WARN)

.PHONY: test-workloads test-workloads-host test-workloads-freestanding

## test-workloads: unit tests of workloads/common (ASan+UBSan) and its freestanding build check
test-workloads: test-workloads-host test-workloads-freestanding
TEST_TARGETS += test-workloads

$(WL_BUILD)/test_common: $(WL_COMMON_DIR)/test/test_common.c $(WL_COMMON_SRCS) \
                         $(WL_COMMON_HDRS) | deps
	@mkdir -p $(@D)
	$(WL_HOST_CC) -std=c11 -O1 -g $(WL_WARN) $(WL_SAN) -o $@ \
		$(WL_COMMON_DIR)/test/test_common.c $(WL_COMMON_SRCS)

test-workloads-host: $(WL_BUILD)/test_common
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $<

# common/ links into user tasks with no libc: the combined object must have
# no undefined symbol (no memcpy/memset slipped in by the compiler).
$(WL_BUILD)/common-freestanding.o: $(WL_COMMON_SRCS) $(WL_COMMON_HDRS) | deps
	@mkdir -p $(WL_BUILD)/fs
	$(foreach s,$(WL_COMMON_SRCS),$(WL_CROSS)gcc $(WL_FREESTANDING_CFLAGS) \
		-c $(s) -o $(WL_BUILD)/fs/$(notdir $(s:.c=.o)) &&) true
	$(WL_CROSS)ld -r -o $@ $(addprefix $(WL_BUILD)/fs/,$(notdir $(WL_COMMON_SRCS:.c=.o)))

test-workloads-freestanding: $(WL_BUILD)/common-freestanding.o
	@undef=$$($(WL_CROSS)nm -u $<); \
	if [ -n "$$undef" ]; then \
		echo "workloads/common needs symbols a freestanding task lacks:"; \
		echo "$$undef"; exit 1; \
	fi; echo "workloads/common: freestanding build has no undefined symbols"
