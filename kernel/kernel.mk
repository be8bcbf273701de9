# The kernel image: the kernel (EL1) and the user image (root task, tests,
# workloads) linked into one ELF, build/kernel/ipclab.elf.

CROSS    ?= aarch64-linux-gnu-
KCC      := $(CROSS)gcc
KOBJCOPY := $(CROSS)objcopy
QEMU     ?= qemu-system-aarch64
KIMAGE   := $(BUILD)/kernel/ipclab.elf

# Flags shared by kernel and user code: freestanding, no FP/SIMD (the
# kernel does not save it; see README), no unaligned accesses (SCTLR.A).
TARGET_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-builtin \
	-fno-pie -fno-stack-protector -mcpu=cortex-a53 -mgeneral-regs-only \
	-mno-outline-atomics -mstrict-align -fno-tree-loop-distribute-patterns \
	-fno-asynchronous-unwind-tables -Ikernel/include -Ikernel
KERNEL_CFLAGS := $(TARGET_CFLAGS) -Ikernel/arch/aarch64 -Ikernel/plat/virt
USER_CFLAGS   := $(TARGET_CFLAGS) -Iuser/lib -Iuser/root -Iworkloads/common -Iworkloads/virt -Iipc/include -Iipc

KERNEL_SRCS := $(wildcard kernel/*.c kernel/lib/*.c kernel/arch/aarch64/*.c \
                          kernel/arch/aarch64/*.S kernel/plat/virt/*.c)
# User objects live under build/u/: the linker script places them by path.
USER_SRCS   := $(wildcard user/lib/*.c user/root/*.c kernel/lib/*.c kernel/test/qemu/*.c \
                          workloads/virt/*.c workloads/common/*.c ipc/ring.c)
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
	@$(CROSS)ld -r -o $@.tmp $(USER_OBJS)
	@$(KOBJCOPY) $(addprefix -G ,$(USER_ENTRY_POINTS)) $@.tmp $@
	@rm -f $@.tmp

$(KIMAGE): $(KERNEL_OBJS) $(BUILD)/u/user.o kernel/kernel.ld
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(KCC) -nostdlib -static -no-pie -Wl,--no-warn-rwx-segments,--build-id=none -T kernel/kernel.ld \
		-o $@ $(KERNEL_OBJS) $(BUILD)/u/user.o
	@echo "$(KCC) $(TARGET_CFLAGS)" > $(BUILD)/kernel/cflags.txt

-include $(KERNEL_OBJS:.o=.d) $(USER_OBJS:.o=.d)

QEMU_MACHINE := -M virt -cpu cortex-a53 -m 128M -nographic -no-reboot -semihosting -monitor none
QEMU_EXACT   := -icount shift=0,align=off,sleep=off
ARGS ?=

.PHONY: kernel run debug test-kernel-host test-kernel-qemu

## kernel: build the kernel image (build/kernel/ipclab.elf)
kernel: $(KIMAGE)

## run: boot the image under QEMU (exact mode); ARGS="test" or ARGS="workload=..." to choose
run: $(KIMAGE) | deps
	$(QEMU) $(QEMU_MACHINE) $(QEMU_EXACT) -kernel $(KIMAGE) -append "$(ARGS)"

## debug: boot halted with QEMU's gdb stub and attach gdb-multiarch with symbols
debug: $(KIMAGE) | deps
	$(QEMU) $(QEMU_MACHINE) $(QEMU_EXACT) -kernel $(KIMAGE) -append "$(ARGS)" -S -gdb tcp::1234 & \
	gdb-multiarch -q $(KIMAGE) -ex 'target remote :1234' -ex 'break kmain' -ex 'continue'; \
	kill %1 2>/dev/null || true
include kernel/test/test.mk
