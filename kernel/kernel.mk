# The kernel image: the kernel (EL1) and the user image (root task, tests,
# workloads) linked into one ELF, build/kernel/ipclab.elf.

KCC      := $(XCC)
KIMAGE   := $(BUILD)/kernel/ipclab.elf
KQEMU_JSON := $(BUILD)/kernel/qemu.json

# Kernel and user code are built with the task flags of mk/toolchain.mk.
TARGET_CFLAGS := $(TASK_CFLAGS) -Ikernel/include -Ikernel
KERNEL_CFLAGS := $(TARGET_CFLAGS) -Ikernel/arch/aarch64 -Ikernel/plat/virt
USER_CFLAGS   := $(TARGET_CFLAGS) -Iuser/lib -Iuser/root -Iworkloads/common -Iworkloads/virt -Iipc

KERNEL_SRCS := $(wildcard kernel/*.c kernel/lib/*.c kernel/arch/aarch64/*.c \
                          kernel/arch/aarch64/*.S kernel/plat/virt/*.c)
# User objects live under build/u/: the linker script places them by path.
USER_SRCS   := $(wildcard user/lib/*.c user/root/*.c kernel/lib/*.c kernel/test/qemu/*.c \
                          workloads/virt/*.c workloads/common/*.c ipc/*.c)
KERNEL_OBJS := $(patsubst %,$(BUILD)/k/%.o,$(KERNEL_SRCS))
USER_OBJS   := $(patsubst %,$(BUILD)/u/%.o,$(USER_SRCS))

$(BUILD)/k/%.c.o: %.c | deps
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(KCC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/k/%.S.o: %.S | deps
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(KCC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/u/%.c.o: %.c | deps
	@mkdir -p $(dir $@)
	@echo "  CC [u]  $<"
	@$(KCC) $(USER_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/u/%.S.o: %.S | deps
	@mkdir -p $(dir $@)
	@echo "  CC [u]  $<"
	@$(KCC) $(USER_CFLAGS) -MMD -MP -c $< -o $@

# The user image is linked apart first and keeps only its entry points
# global: it has its own memcpy, printf, ... that must not meet the kernel's.
USER_ENTRY_POINTS := root_main user_thread_exit
$(BUILD)/u/user.o: $(USER_OBJS)
	@echo "  LD [u]  $@"
	@$(XLD) -r -o $@.tmp $(USER_OBJS)
	@$(XOBJCOPY) $(addprefix -G ,$(USER_ENTRY_POINTS)) $@.tmp $@
	@rm -f $@.tmp

$(KIMAGE): $(KERNEL_OBJS) $(BUILD)/u/user.o kernel/kernel.ld
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(KCC) -nostdlib -static -no-pie -Wl,--no-warn-rwx-segments,--build-id=none -T kernel/kernel.ld \
		-o $@ $(KERNEL_OBJS) $(BUILD)/u/user.o
	@echo "$(KCC) $(TARGET_CFLAGS)" > $(BUILD)/kernel/cflags.txt

# How the harness boots the image (mk/qemu.mk), rewritten when that changes.
$(KQEMU_JSON): mk/qemu.mk
	@mkdir -p $(dir $@)
	@printf '%s\n' "$$QEMU_JSON" > $@

-include $(KERNEL_OBJS:.o=.d) $(USER_OBJS:.o=.d)

ARGS ?=
# The number of CPUs of `make run` and `make debug` (empty: one).
CPUS ?=

.PHONY: kernel run debug test-kernel-host test-kernel-qemu test-kernel-smp

## kernel: build the kernel image (build/kernel/ipclab.elf) and the QEMU command it runs under (qemu.json)
kernel: $(KIMAGE) $(KQEMU_JSON)

## run: boot the image under QEMU (exact mode); ARGS="test" or ARGS="workload=..." to choose, CPUS=2 for two CPUs
run: $(KIMAGE) | deps
	$(call qemu_cmd,exact,$(KIMAGE),$(ARGS),,$(CPUS))

## debug: boot halted with QEMU's gdb stub and attach gdb-multiarch with symbols
debug: $(KIMAGE) | deps
	$(call qemu_cmd,exact,$(KIMAGE),$(ARGS),,$(CPUS)) -S -gdb tcp::1234 & \
	gdb-multiarch -q $(KIMAGE) -ex 'target remote :1234' -ex 'break kmain' -ex 'continue'; \
	kill %1 2>/dev/null || true
include kernel/test/test.mk
