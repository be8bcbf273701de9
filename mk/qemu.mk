# The one definition of how ipclab runs QEMU.  Every QEMU start of the tree
# (make run, make debug, every test target, ipc-qemu, the harness) is built
# from these variables; .ci/run checks (test-contracts) that no second copy
# of them exists anywhere else.
#
#   QEMU          the emulator
#   QEMU_MACHINE  the emulated board: QEMU's `virt`, a cortex-a53, 128 MiB
#                 (QEMU_MEM), and only the devices the kernel uses.  `-nodefaults` drops
#                 the default virtio NIC, whose option ROM (efi-virtio.rom)
#                 comes from ipxe-qemu, a package `make deps` does not
#                 install; the PL011 is then wired to stdio explicitly.
#   QEMU_EXACT    exact mode: the virtual clock advances one tick per guest
#                 instruction, so PMCCNTR counts instructions and every run
#                 of the same image and arguments gives the same samples.
#   QEMU_TIMED    timed mode: the counter follows host time (noisy).
#   QEMU_SMP_OPTION  the option that gives the number of CPUs (1 to 4 for
#                 the ipclab kernel, which reads the count from the device
#                 tree); without it the board has one.  Exact mode runs
#                 the vCPUs round robin on one host thread (one global
#                 instruction count); timed mode runs them in parallel.
#
#   QEMU_ENTRY_<el>  the exception level the kernel is entered at: QEMU's
#                 virt enters at EL1; with the board's virtualization
#                 property (a second -machine, which QEMU merges into -M's)
#                 at EL2, which the kernel drops to EL1 from.
#
# $(call qemu_cmd,MODE,IMAGE,ARGS[,ENTRY[,CPUS]]) is the command line of one
# boot, with MODE exact or timed, ENTRY el1 (or empty) or el2, and CPUS the
# number of CPUs (empty: one); the harness builds the same line from
# $(BUILD)/kernel/qemu.json, which the kernel build writes from these
# variables (the harness records it in each results directory's meta.json).

QEMU         ?= qemu-system-aarch64
QEMU_BOARD   := virt
QEMU_MEM     := -m 128M
QEMU_MACHINE := -cpu cortex-a53 $(QEMU_MEM) -nodefaults -display none \
                -serial stdio -monitor none -no-reboot -semihosting
QEMU_EXACT   := -icount shift=0,align=off,sleep=off
QEMU_TIMED   :=

QEMU_SMP_OPTION := -smp
QEMU_ENTRY_el1  :=
QEMU_ENTRY_el2  := -machine virtualization=on

QEMU_MODE_exact := $(QEMU_EXACT)
QEMU_MODE_timed := $(QEMU_TIMED)
qemu_cmd = $(QEMU) -M $(QEMU_BOARD) $(QEMU_MACHINE) $(QEMU_MODE_$(1)) $(QEMU_ENTRY_$(or $(4),el1)) \
	$(if $(5),$(QEMU_SMP_OPTION) $(5)) -kernel $(2) -append "$(3)"

# JSON helpers: a make word list as a JSON array of strings (the words hold
# no quote, backslash or space).
mk_empty :=
mk_space := $(mk_empty) $(mk_empty)
mk_comma := ,
json_list = [$(subst $(mk_space),$(mk_comma),$(strip $(patsubst %,"%",$(1))))]

# Written beside the kernel image; the harness reads it (bench/platform.py).
# Composition: [qemu] + machine + modes[mode] + entries[entry] (el1 unless a
# boot asks for el2) + [smp_option, CPUS] (only for a run on more than one
# CPU) + [image_option, IMAGE, append_option, WORDS].
# The emulator, the board and the modes: the part both platforms' JSON share.
qemu_json_machine = "qemu": "$(QEMU)", \
 "machine": $(call json_list,-M $(QEMU_BOARD) $(QEMU_MACHINE)), \
 "modes": {"exact": $(call json_list,$(QEMU_EXACT)), "timed": $(call json_list,$(QEMU_TIMED))}
define QEMU_JSON
{$(qemu_json_machine),
 "entries": {"el1": $(call json_list,$(QEMU_ENTRY_el1)), "el2": $(call json_list,$(QEMU_ENTRY_el2))},
 "smp_option": "$(QEMU_SMP_OPTION)", "max_cpus": 4,
 "image_option": "-kernel", "append_option": "-append"}
endef
export QEMU_JSON

# ---- linux-virt: Debian's Linux on the identical machine ---------------------
#
# The same board, CPU, memory, devices and exact/timed options as above; what
# differs is only what is booted: Debian's arm64 kernel (-kernel), an
# initramfs holding the workload runner as /init (-initrd), a fixed device
# tree (-dtb) and the kernel's arguments.  linux-virt/linux-virt.mk writes
# $(BUILD)/linux-virt/qemu.json from these for the harness.
#
#   QEMU_LINUX_APPEND  the kernel arguments before the runs' own words:
#       console=ttyAMA0   the PL011, the same UART the ipclab kernel writes
#       quiet             only warnings and worse on the console
#       panic=-1          a panic reboots at once, and -no-reboot ends QEMU:
#                         a panicking boot is a quick failed run, never a hang
#       nokaslr           no kernel address randomization
#       norandmaps        no user address randomization (stack, mmap, brk)
#       randomize_kstack_offset=off   no random kernel stack offset per syscall
#       cma=0             no contiguous-memory pool (64 MiB of 128 it cannot
#                         reserve: a warning at every boot, and no user here)
#   The DTB: QEMU's own for this board (dumped with $(call qemu_dumpdtb,FILE))
#   without /chosen/rng-seed and /chosen/kaslr-seed, and with the PL031 RTC
#   marked disabled.  Given with -dtb, QEMU adds bootargs, initrd and memory
#   to it but no seed (checked: /init reports rng_seed=absent), so the
#   kernel's random pool starts from no outside entropy.  The RTC reads
#   the host's wall clock: a boot that reads another date runs another
#   number of instructions (checked: with it, two boots' samples differ in
#   order; without it, they are byte-identical).  The device stays on the
#   board; Linux is only not told of it.
QEMU_LINUX_APPEND := console=ttyAMA0 quiet panic=-1 nokaslr norandmaps randomize_kstack_offset=off cma=0
qemu_dumpdtb = $(QEMU) -M $(QEMU_BOARD),dumpdtb=$(1) $(QEMU_MACHINE)

# $(call qemu_linux_json,KERNEL,INITRD,DTB): the harness's description of a
# linux-virt boot.  Composition: [qemu] + machine + modes[mode] + boot +
# [append_option, append + " -- " + one double-quoted argument per run].
qemu_linux_json = {$(qemu_json_machine), \
 "boot": $(call json_list,-kernel $(1) -initrd $(2) -dtb $(3)), \
 "append_option": "-append", "append": "$(QEMU_LINUX_APPEND)"}
