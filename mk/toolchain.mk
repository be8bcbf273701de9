# The one definition of ipclab's compilers and the flags that two or more
# parts of the tree must share.
#
#   CROSS             prefix of the aarch64 cross toolchain (Debian's
#                     gcc-aarch64-linux-gnu)
#   TASK_CFLAGS       how code that runs in an ipclab task (or in the kernel)
#                     is compiled: freestanding, no FP/SIMD (the kernel does
#                     not save it), no unaligned access (SCTLR.A is set), no
#                     LSE atomics (cortex-a53 has none), no outline atomics.
#                     The freestanding build checks of ipc/ and workloads/
#                     use exactly these flags, so what they check is what
#                     the image runs.
#   HOST_CC           the host compiler of tests and of the Linux runner
#   HOST_SAN_CFLAGS   ASan+UBSan, failing at the first report
#   HOST_TSAN_CFLAGS  ThreadSanitizer

CROSS    ?= aarch64-linux-gnu-
XCC      := $(CROSS)gcc
XLD      := $(CROSS)ld
XOBJCOPY := $(CROSS)objcopy
XNM      := $(CROSS)nm
XOBJDUMP := $(CROSS)objdump

TASK_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-builtin \
	-fno-pie -fno-stack-protector -mcpu=cortex-a53 -mgeneral-regs-only \
	-mno-outline-atomics -mstrict-align -fno-tree-loop-distribute-patterns \
	-fno-asynchronous-unwind-tables

HOST_CC          ?= gcc
HOST_SAN_CFLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
HOST_TSAN_CFLAGS := -fsanitize=thread

# What an ipclab task links against instead of a libc: the string functions
# of kernel/lib/string.c.  $(call check_freestanding,WHAT,OBJECT) fails when
# OBJECT needs any other symbol.
TASK_RUNTIME_OBJ := $(BUILD)/toolchain/task-string.o
$(TASK_RUNTIME_OBJ): kernel/lib/string.c kernel/lib/string.h mk/toolchain.mk | deps
	@mkdir -p $(@D)
	@$(XCC) $(TASK_CFLAGS) -Ikernel -c $< -o $@
check_freestanding = ./mk/check-freestanding.sh $(XNM) "$(1)" $(2) $(TASK_RUNTIME_OBJ)

# Programs that run as Linux processes on the emulated board (linux-virt):
# the same CPU as the board's, linked statically (the initramfs holds no
# libc).  The static glibc is Debian's libc6-dev-arm64-cross.  No path of
# the checkout in the program (debug information), and no build-id note:
# its bytes hash the debug information too, so a line moved in a header
# changed the program.  The figures follow the archive's bytes (the
# kernel's unpacking of it moves where the timer's ticks fall in a run:
# linux-virt/README.md, "Determinism"), so the same code gives the same
# program, and the same figures, in every checkout.
XLINUX_CFLAGS  := -mcpu=cortex-a53 -ffile-prefix-map=$(CURDIR)=.
XLINUX_LDFLAGS := -static -Wl,--build-id=none

# The time limit of every test.  A bug can make a test spin or wait for
# ever (a mutation once made ipc-unit do so); under the limit it fails its
# target instead, with a message that names the target and says it timed
# out.
#   $(call test_limit,SECONDS,COMMAND)  COMMAND under timeout(1): SIGTERM
#       after SECONDS, SIGKILL 10 s later.  When the limit ends it the
#       recipe fails with "<target>: timed out after SECONDS s: COMMAND"
#       (timeout's status 124; 137 when the SIGKILL was needed).
#   $(call test_timeout,SECONDS) COMMAND  the same limit for a recipe that
#       judges the status itself (the QEMU runs, whose status is the
#       image's: their messages name 124 and 137 with mk/exit-status.sh).
# Each target's SECONDS are at least three times its time on a 2-CPU
# machine.  TEST_LIMIT_S=N gives every test N seconds instead (a slow
# machine; or `make test-linux TEST_LIMIT_S=0.01` to see a limit end a test).
# mk/check-contracts.sh fails on a test recipe line that runs a command
# without the limit, and on a timeout(1) anywhere else.
TEST_LIMIT_S ?=
TEST_TIMEOUT = timeout --kill-after=10
test_secs = $(or $(TEST_LIMIT_S),$(1))
test_timeout = $(TEST_TIMEOUT) $(call test_secs,$(1))
test_limit = $(call test_timeout,$(1)) $(2) || { s=$$?; k=; [ $$s -ne 137 ] || k=' and killed 10 s later'; \
	[ $$s -ne 124 ] && [ -z "$$k" ] || echo "$@: timed out after $(call test_secs,$(1)) s$$k: $(subst ",\",$(2))" >&2; exit $$s; }
