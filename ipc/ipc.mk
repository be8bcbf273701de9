# ipc/: the ring library.  Included by the top-level Makefile.
#
# Outputs under $(BUILD)/ipc/.  Tests: unit tests (plain and ASan+UBSan),
# stress on threads and processes (plain, ThreadSanitizer, ASan+UBSan), the
# freestanding aarch64 build check, the spin models, and a bare-metal run
# of the aarch64 fast paths under QEMU.

IPC_DIR   := ipc
IPC_BUILD := $(BUILD)/ipc

# The core (freestanding, every platform): set-up (ring.c) and slow paths
# (ring_wait.c); ring.h and each variant's fast paths (variants/*.h).
IPC_CORE_SRCS  := $(IPC_DIR)/ring.c $(IPC_DIR)/ring_wait.c
IPC_CORE_HDRS  := $(IPC_DIR)/ring.h $(wildcard $(IPC_DIR)/variants/*.h)
IPC_LINUX_SRCS := $(IPC_DIR)/linux/waker.c $(IPC_DIR)/linux/cacheline.c
IPC_LINUX_HDRS := $(IPC_DIR)/linux/ring_linux.h

IPC_CC      ?= $(HOST_CC)
IPC_SAN_CC  ?= clang
IPC_WARN    := -Wall -Wextra -Werror
IPC_CFLAGS  := -std=c11 -O2 -g $(IPC_WARN) -pthread
IPC_TSAN    := -std=c11 -O1 -g $(IPC_WARN) -pthread $(HOST_TSAN_CFLAGS)
IPC_ASAN    := -std=c11 -O1 -g $(IPC_WARN) -pthread $(HOST_SAN_CFLAGS)

# Messages per configuration: make test-ipc (quick) and make stress.
IPC_TEST_MSGS   ?= 40000
IPC_SAN_MSGS    ?= 10000
IPC_STRESS_MSGS ?= 10000000

DEPS_PKGS += spin clang libclang-rt-14-dev
TEST_TARGETS += test-ipc

IPC_ALL_SRCS := $(IPC_CORE_SRCS) $(IPC_LINUX_SRCS)
IPC_ALL_HDRS := $(IPC_CORE_HDRS) $(IPC_LINUX_HDRS)

.PHONY: test-ipc ipc-unit ipc-fast64 ipc-stress-quick ipc-check ipc-model ipc-qemu stress ring-bench

# Every test binary runs under the time limit of every test (test_limit,
# mk/toolchain.mk): a mutation once made ipc-unit spin for ever.

## test-ipc: ring library: unit tests, thread+process stress (plain, TSan, ASan+UBSan), 8-byte fast paths on two threads (plain, TSan), aarch64 build check and QEMU run, spin models
test-ipc: ipc-unit ipc-fast64 ipc-stress-quick ipc-check ipc-model ipc-qemu
	@echo "test-ipc: all passed"

$(IPC_BUILD)/unit: $(IPC_DIR)/test/unit.c $(IPC_CORE_SRCS) $(IPC_CORE_HDRS)
	@mkdir -p $(@D)
	$(IPC_CC) $(IPC_CFLAGS) -o $@ $< $(IPC_CORE_SRCS)

$(IPC_BUILD)/unit-asan: $(IPC_DIR)/test/unit.c $(IPC_CORE_SRCS) $(IPC_CORE_HDRS) | deps
	@mkdir -p $(@D)
	$(IPC_SAN_CC) $(IPC_ASAN) -o $@ $< $(IPC_CORE_SRCS)

$(IPC_BUILD)/stress: $(IPC_DIR)/test/stress.c $(IPC_ALL_SRCS) $(IPC_ALL_HDRS)
	@mkdir -p $(@D)
	$(IPC_CC) $(IPC_CFLAGS) -o $@ $< $(IPC_ALL_SRCS)

$(IPC_BUILD)/stress-tsan: $(IPC_DIR)/test/stress.c $(IPC_ALL_SRCS) $(IPC_ALL_HDRS) | deps
	@mkdir -p $(@D)
	$(IPC_SAN_CC) $(IPC_TSAN) -o $@ $< $(IPC_ALL_SRCS)

$(IPC_BUILD)/stress-asan: $(IPC_DIR)/test/stress.c $(IPC_ALL_SRCS) $(IPC_ALL_HDRS) | deps
	@mkdir -p $(@D)
	$(IPC_SAN_CC) $(IPC_ASAN) -o $@ $< $(IPC_ALL_SRCS)

$(IPC_BUILD)/waker: $(IPC_DIR)/test/waker.c $(IPC_ALL_SRCS) $(IPC_ALL_HDRS)
	@mkdir -p $(@D)
	$(IPC_CC) $(IPC_CFLAGS) -o $@ $< $(IPC_ALL_SRCS)

ipc-unit: $(IPC_BUILD)/unit $(IPC_BUILD)/unit-asan $(IPC_BUILD)/waker
	$(call test_limit,60,$(IPC_BUILD)/unit)
	$(call test_limit,120,$(IPC_BUILD)/unit-asan)
	$(call test_limit,60,$(IPC_BUILD)/waker)

# The 8-byte fast paths the workloads measure, producer and consumer on two
# threads; under TSan a publication without release/acquire is a reported
# race (ipc/test/fast64.c).
$(IPC_BUILD)/fast64: $(IPC_DIR)/test/fast64.c $(IPC_ALL_SRCS) $(IPC_ALL_HDRS)
	@mkdir -p $(@D)
	$(IPC_CC) $(IPC_CFLAGS) -o $@ $< $(IPC_ALL_SRCS)

$(IPC_BUILD)/fast64-tsan: $(IPC_DIR)/test/fast64.c $(IPC_ALL_SRCS) $(IPC_ALL_HDRS) | deps
	@mkdir -p $(@D)
	$(IPC_SAN_CC) $(IPC_TSAN) -o $@ $< $(IPC_ALL_SRCS)

IPC_FAST64_MSGS ?= 200000
IPC_FAST64_TSAN_MSGS ?= 20000

## ipc-fast64: push64/pop64 and push_n64/pop_n64 of every variant that has them, on two threads (plain and TSan)
ipc-fast64: $(IPC_BUILD)/fast64 $(IPC_BUILD)/fast64-tsan
	$(call test_limit,120,$(IPC_BUILD)/fast64 --msgs $(IPC_FAST64_MSGS))
	$(call test_limit,300,env TSAN_OPTIONS=halt_on_error=1 $(IPC_BUILD)/fast64-tsan --msgs $(IPC_FAST64_TSAN_MSGS))

# TSan sees races between threads only, so it runs the thread half; ASan
# and UBSan run both halves.
ipc-stress-quick: $(IPC_BUILD)/stress $(IPC_BUILD)/stress-tsan $(IPC_BUILD)/stress-asan
	$(call test_limit,300,$(IPC_BUILD)/stress --all --mode both --msgs $(IPC_TEST_MSGS) --timeout 120)
	$(call test_limit,600,env TSAN_OPTIONS=halt_on_error=1 $(IPC_BUILD)/stress-tsan --all --mode thread --msgs $(IPC_SAN_MSGS) --timeout 120)
	$(call test_limit,600,$(IPC_BUILD)/stress-asan --all --mode both --msgs $(IPC_SAN_MSGS) --timeout 120)

## stress: ring stress, 10 million messages per configuration, threads and processes (long)
stress: $(IPC_BUILD)/stress
	$(IPC_BUILD)/stress --all --mode both --msgs $(IPC_STRESS_MSGS) --timeout 3600

# The core must build exactly as an ipclab task builds it (TASK_CFLAGS,
# mk/toolchain.mk), and need nothing from a libc (the fast paths' memcpy
# comes from the task runtime).
$(IPC_BUILD)/aarch64/ring.o: $(IPC_CORE_SRCS) $(IPC_CORE_HDRS) | deps
	@mkdir -p $(@D)/core
	$(foreach s,$(IPC_CORE_SRCS),$(XCC) $(TASK_CFLAGS) -c $(s) -o $(@D)/core/$(notdir $(s:.c=.o)) &&) true
	$(XLD) -r -o $@ $(addprefix $(@D)/core/,$(notdir $(IPC_CORE_SRCS:.c=.o)))

$(IPC_BUILD)/aarch64/hotpath.o: $(IPC_DIR)/test/hotpath.c $(IPC_CORE_HDRS) | deps
	@mkdir -p $(@D)
	$(XCC) $(TASK_CFLAGS) -c $< -o $@

## ipc-check: build the ring core for ipclab tasks (aarch64, freestanding) and print the fast paths' size
ipc-check: $(IPC_BUILD)/aarch64/ring.o $(IPC_BUILD)/aarch64/hotpath.o $(TASK_RUNTIME_OBJ)
	@$(call test_limit,60,$(call check_freestanding,ipc/ring.c ipc/ring_wait.c,$(IPC_BUILD)/aarch64/ring.o))
	@$(call test_limit,60,$(XOBJDUMP) -d --no-show-raw-insn $(IPC_BUILD)/aarch64/hotpath.o > $(IPC_BUILD)/aarch64/hotpath.dis) && awk ' \
		/^[0-9a-f]+ <ipc_hot_pushpop[a-z_]*>:/ { name = $$2; n = 0; on = 1; next } \
		on && /^ *[0-9a-f]+:\t/ { n++; if ($$2 == "ret") { printf "ipc-check: %-28s %d instructions to the first ret (fast path, incl. ret)\n", name, n; on = 0 } }' $(IPC_BUILD)/aarch64/hotpath.dis

## ipc-model: check the wake-up protocols with spin, exhaustively (and that spin refutes broken variants)
ipc-model: | deps
	$(call test_limit,300,$(IPC_DIR)/model/check.sh $(IPC_BUILD)/model)

# Ring figures come from results directories: the throughput and round trip
# of every variant, the cache-line floor and Linux's IPC are one harness
# sweep with interleaved repetitions (bench/sweeps/ring-linux.toml), and the
# ratios are taken within each round by analysis.ratios, written beside the
# samples (ratios-<name>.csv in the results directory).
IPC_RING_SWEEP   := bench/sweeps/ring-linux.toml
IPC_RING_RATIOS  := $(PYTHON) -m analysis.ratios $$dir

## ring-bench: ring throughput and round trip per variant, the cache-line floor and Linux IPC, cross-core: a harness sweep (results/<date>-ring-linux/) and its ratios within rounds
# The runner of this build ($(BUILD)/linux/ipclab-linux: make ring-bench
# BUILD=build-x measures build-x's), given to the harness as is.
ring-bench: | deps
	@$(MAKE) --no-print-directory linux-runner
	$(PYTHON) -m bench run $(IPC_RING_SWEEP) --image $(WL_LINUX_BIN)
	@dir=$$(ls -1d results/*-ring-linux | tail -1); echo "ring-bench: ratios of $$dir"; \
	$(IPC_RING_RATIOS) --name reference --rate \
		--base workload=ref_throughput --of workload=ring_throughput && \
	$(IPC_RING_RATIOS) --name reference-rtt \
		--base workload=ref_pingpong --of workload=ring_pingpong,wake=poll && \
	$(IPC_RING_RATIOS) --name reference-rtt-inline \
		--base workload=ref_pingpong --of workload=ring64_pingpong && \
	$(IPC_RING_RATIOS) --name throughput --rate \
		--base workload=ring_throughput,variant=naive --of workload=ring_throughput && \
	$(IPC_RING_RATIOS) --name batched --rate \
		--base workload=ring_throughput,variant=cached --of workload=ring_throughput,variant=batched && \
	$(IPC_RING_RATIOS) --name floor --base workload=cacheline \
		--of workload=ring_pingpong,workload=ref_pingpong,workload=ring64_pingpong && \
	$(IPC_RING_RATIOS) --name pipe --rate --base workload=pipe --of workload=ring_pingpong

# The fast paths executed on the emulated cortex-a53 (bare metal, EL1):
# the aarch64-only code really runs (paired-load batch copy, ldar/stlr), and
# PMCCNTR in exact mode counts the instructions of a push+pop and of a
# batch of 32 (printed, not asserted).  Built with the task flags, booted
# with the one QEMU definition (mk/qemu.mk).
$(IPC_BUILD)/qemu/ring-test.elf: $(IPC_DIR)/test/qemu/main.c $(IPC_DIR)/test/qemu/start.S \
                                 $(IPC_CORE_SRCS) $(IPC_CORE_HDRS) | deps
	@mkdir -p $(@D)
	$(XCC) $(TASK_CFLAGS) -c $(IPC_DIR)/test/qemu/main.c -o $(@D)/main.o
	$(foreach s,$(IPC_CORE_SRCS),$(XCC) $(TASK_CFLAGS) -c $(s) -o $(@D)/$(notdir $(s:.c=.o)) &&) true
	$(XCC) -c $(IPC_DIR)/test/qemu/start.S -o $(@D)/start.o
	$(XLD) -static -nostdlib -Ttext=0x40100000 -e _start -o $@ \
		$(@D)/start.o $(@D)/main.o $(addprefix $(@D)/,$(notdir $(IPC_CORE_SRCS:.c=.o)))

## ipc-qemu: run the ring's fast paths on the emulated cortex-a53 (checks, and instruction counts in exact mode)
ipc-qemu: $(IPC_BUILD)/qemu/ring-test.elf
	$(call test_limit,60,$(call qemu_cmd,exact,$<,))
