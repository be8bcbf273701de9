# The one definition of how ipclab runs QEMU.  Every QEMU start of the tree
# (make run, make debug, every test target, ipc-qemu, the harness) is built
# from these variables; .ci/run checks (test-contracts) that no second copy
# of them exists anywhere else.
#
#   QEMU          the emulator
#   QEMU_MACHINE  the emulated board: QEMU's `virt`, a cortex-a53, 128 MiB,
#                 and only the devices the kernel uses.  `-nodefaults` drops
#                 the default virtio NIC, whose option ROM (efi-virtio.rom)
#                 comes from ipxe-qemu, a package `make deps` does not
#                 install; the PL011 is then wired to stdio explicitly.
#   QEMU_EXACT    exact mode: the virtual clock advances one tick per guest
#                 instruction, so PMCCNTR counts instructions and every run
#                 of the same image and arguments gives the same samples.
#   QEMU_TIMED    timed mode: the counter follows host time (noisy).
#
# $(call qemu_cmd,MODE,IMAGE,ARGS[,BOARD_PROPS]) is the command line of one
# boot, with MODE exact or timed and BOARD_PROPS extra properties of the
# board (",virtualization=on" enters the kernel at EL2); the harness builds the same line from
# $(BUILD)/kernel/qemu.json, which the kernel build writes from these
# variables (the harness records it in each results directory's meta.json).

QEMU         ?= qemu-system-aarch64
QEMU_BOARD   := virt
QEMU_MACHINE := -cpu cortex-a53 -m 128M -nodefaults -display none \
                -serial stdio -monitor none -no-reboot -semihosting
QEMU_EXACT   := -icount shift=0,align=off,sleep=off
QEMU_TIMED   :=

QEMU_MODE_exact := $(QEMU_EXACT)
QEMU_MODE_timed := $(QEMU_TIMED)
qemu_cmd = $(QEMU) -M $(QEMU_BOARD)$(4) $(QEMU_MACHINE) $(QEMU_MODE_$(1)) -kernel $(2) -append "$(3)"

# JSON helpers: a make word list as a JSON array of strings (the words hold
# no quote, backslash or space).
mk_empty :=
mk_space := $(mk_empty) $(mk_empty)
mk_comma := ,
json_list = [$(subst $(mk_space),$(mk_comma),$(strip $(patsubst %,"%",$(1))))]

# Written beside the kernel image; the harness reads it (bench/platform.py).
# Composition: [qemu] + machine + modes[mode] + [image_option, IMAGE,
# append_option, WORDS].
define QEMU_JSON
{"qemu": "$(QEMU)",
 "machine": $(call json_list,-M $(QEMU_BOARD) $(QEMU_MACHINE)),
 "modes": {"exact": $(call json_list,$(QEMU_EXACT)), "timed": $(call json_list,$(QEMU_TIMED))},
 "image_option": "-kernel", "append_option": "-append"}
endef
export QEMU_JSON
