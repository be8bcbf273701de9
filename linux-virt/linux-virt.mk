# linux-virt/: Debian's arm64 Linux kernel booted under the one QEMU
# definition (mk/qemu.mk), the Linux runner of workloads/linux built
# statically for aarch64 as its /init.  README.md beside this file says how
# and why.
#
# Outputs, in $(BUILD)/linux-virt/:
#   init             the runner + linux-virt/init.c, static aarch64
#   init.stripped    the same without symbols: the archive's /init
#   initramfs.cpio.gz  /init and /dev/console, reproducible byte for byte
#   virt.dtb         QEMU's device tree for the board, without its seeds
#   qemu.json        how the harness boots it (mk/qemu.mk's qemu_linux_json)
# and, outside $(BUILD) so `make clean` keeps it, the kernel package and its
# Image in linux-virt/cache/ (gitignored), reused offline.

# The kernel: Debian's cloud flavour (a small kernel for VMs), one pinned
# version.  A Debian point release may drop an old ABI from the archive: the
# fetch then says which versions it has; change both lines together.
LINUX_VIRT_KERNEL_PKG     := linux-image-6.1.0-50-cloud-arm64
LINUX_VIRT_KERNEL_VERSION := 6.1.176-1
LINUX_VIRT_CACHE  := linux-virt/cache
LINUX_VIRT_KERNEL := $(LINUX_VIRT_CACHE)/vmlinuz-$(LINUX_VIRT_KERNEL_PKG)-$(LINUX_VIRT_KERNEL_VERSION)

LV_BUILD  := $(BUILD)/linux-virt
LV_INIT   := $(LV_BUILD)/init
LV_INITRD := $(LV_BUILD)/initramfs.cpio.gz
LV_DTB    := $(LV_BUILD)/virt.dtb
LV_JSON   := $(LV_BUILD)/qemu.json
LV_META   := $(LV_BUILD)/kernel.json

# libc6-dev-arm64-cross: the static glibc of the runner; dpkg-dev's
# dpkg-deb unpacks the kernel package (dpkg itself is always there).
DEPS_PKGS += libc6-dev-arm64-cross

.PHONY: linux-virt linux-virt-kernel test-linux-virt

## linux-virt: the linux-virt boot files (Debian's arm64 kernel, fetched once into linux-virt/cache/; the static runner as /init) and their qemu.json
linux-virt: $(LV_JSON)

## linux-virt-kernel: fetch and unpack Debian's arm64 kernel package (pinned in linux-virt/linux-virt.mk) into linux-virt/cache/, with an apt state of its own
linux-virt-kernel: $(LINUX_VIRT_KERNEL)

# (Its name holds the version: a new pin is a new file; no other prerequisite.)
$(LINUX_VIRT_KERNEL):
	@./linux-virt/fetch-kernel.sh $(LINUX_VIRT_CACHE) $(LINUX_VIRT_KERNEL_PKG) $(LINUX_VIRT_KERNEL_VERSION)

# The runner's sources as workloads/workloads.mk lists them, built for this
# platform: RT_PLATFORM (workloads/linux/rt.h) names it in every frame and
# lets the runner take mode=exact (unit instructions) and run yield under
# SCHED_FIFO; its main() is renamed so /init can call it.
LV_RT_PLATFORM := -DRT_PLATFORM='"linux-virt"'
LV_RUNNER_MAIN := $(WL_LINUX_DIR)/main.c
LV_RUNNER_SRCS := $(filter-out $(LV_RUNNER_MAIN),$(WL_LINUX_SRCS)) $(WL_COMMON_SRCS) $(WL_IPC_SRCS)

$(LV_INIT): linux-virt/init.c $(WL_LINUX_SRCS) $(WL_COMMON_SRCS) $(WL_IPC_SRCS) $(WL_LINUX_HDRS) \
            mk/toolchain.mk linux-virt/linux-virt.mk | deps
	@mkdir -p $(@D)
	$(XCC) $(WL_LINUX_CFLAGS) $(XLINUX_CFLAGS) $(LV_RT_PLATFORM) -Dmain=ipclab_linux_main \
		-c $(LV_RUNNER_MAIN) -o $(LV_BUILD)/runner-main.o
	$(XCC) $(WL_LINUX_CFLAGS) $(XLINUX_CFLAGS) $(LV_RT_PLATFORM) $(XLINUX_LDFLAGS) \
		-o $@ linux-virt/init.c $(LV_BUILD)/runner-main.o $(LV_RUNNER_SRCS) -lm -lrt
	@printf '%s %s\n' "$(XCC)" "$(WL_LINUX_CFLAGS) $(XLINUX_CFLAGS) $(LV_RT_PLATFORM) $(XLINUX_LDFLAGS)" > $(LV_BUILD)/cflags.txt

# cpio newc by mkinitramfs.py (sorted, mtime 0, owner root), gzip -n: the
# same runner gives the same archive, byte for byte.  The archive's /init is
# the runner stripped (init.stripped): its debug information names the
# checkout's directory, and a longer path made a larger archive and other
# figures (eventfd 13,876 against 13,395 instructions a round trip, the same
# sources in two checkouts).  $(LV_INIT) keeps its symbols for the host.
$(LV_INITRD): $(LV_INIT) linux-virt/mkinitramfs.py linux-virt/linux-virt.mk
	$(CROSS)strip -o $(LV_BUILD)/init.stripped $<
	$(PYTHON) linux-virt/mkinitramfs.py $(LV_BUILD)/init.stripped > $(LV_BUILD)/initramfs.cpio
	gzip -n -9 -c $(LV_BUILD)/initramfs.cpio > $@.tmp && mv $@.tmp $@

$(LV_DTB): mk/qemu.mk | deps
	@mkdir -p $(@D)
	$(call qemu_dumpdtb,$@.tmp) >/dev/null
	fdtput -d $@.tmp /chosen rng-seed
	fdtput -d $@.tmp /chosen kaslr-seed
	fdtput -t s $@.tmp /pl031@9010000 status disabled
	@! fdtget $@.tmp /chosen rng-seed >/dev/null 2>&1 || { echo "linux-virt: $@ still has rng-seed"; exit 1; }
	mv $@.tmp $@

# The kernel's package, version and checksum, for meta.json.
$(LV_META): $(LINUX_VIRT_KERNEL)
	@mkdir -p $(@D)
	@printf '{"package": "%s", "version": "%s", "architecture": "arm64", "image_sha256": "%s"}\n' \
		$(LINUX_VIRT_KERNEL_PKG) $(LINUX_VIRT_KERNEL_VERSION) \
		$$(sha256sum $< | cut -d' ' -f1) > $@

$(LV_JSON): $(LINUX_VIRT_KERNEL) $(LV_INITRD) $(LV_DTB) $(LV_META) mk/qemu.mk linux-virt/linux-virt.mk
	@printf '%s\n' '$(call qemu_linux_json,$(LINUX_VIRT_KERNEL),$(LV_INITRD),$(LV_DTB))' > $@

## test-linux-virt: linux-virt boots and runs every workload (content and order checked), refuses bad words, fails panics and hangs with their reason, is deterministic in exact mode
test-linux-virt: linux-virt | deps
	$(call test_limit,900,$(PYTHON) -m pytest -q -p no:cacheprovider linux-virt/tests)
TEST_TARGETS += test-linux-virt
