# ipclab: the entry point.  `make help` lists the targets.
#
# Each part of the tree contributes a fragment (kernel/kernel.mk, ipc/ipc.mk,
# ...) that adds its own targets, its Debian packages (DEPS_PKGS) and its test
# target (TEST_TARGETS).  This file only ties them together.

PYTHON   ?= /usr/bin/python3
BUILD    ?= $(or $(IPCLAB_BUILD),build)
# The build directory, for everything make starts: the harness and the tests
# find the build's files through it (bench/platform.py, BUILD), and a make
# the harness starts builds into the same one.
export IPCLAB_BUILD := $(BUILD)
NPROC    := $(shell nproc 2>/dev/null || echo 2)

# Packages every part needs; fragments append theirs.
DEPS_PKGS := make gcc gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu \
             qemu-system-arm gdb-multiarch device-tree-compiler \
             python3-pandas python3-matplotlib python3-scipy python3-pytest
TEST_TARGETS :=
HELP :=

.DEFAULT_GOAL := all
.PHONY: all deps test help clean

include mk/toolchain.mk
include mk/qemu.mk
include kernel/kernel.mk
include ipc/ipc.mk
include workloads/workloads.mk
include linux-virt/linux-virt.mk
include bench/bench.mk
include analysis/analysis.mk
include plugin/plugin.mk
include mk/contracts.mk
include mutate/mutate.mk

all: kernel

## deps: install the Debian packages that are missing (a no-op when none is)
deps:
	@./mk/deps.sh $(sort $(DEPS_PKGS))

## test: every test suite (host unit tests, in-QEMU tests, Python tests)
test: $(TEST_TARGETS)
	@echo "make test: all suites passed ($(TEST_TARGETS))"

clean:
	rm -rf $(BUILD)

## help: this list
help:
	@echo "ipclab targets:"
	@grep -h -E '^## ' $(MAKEFILE_LIST) | sed -e 's/^## /  /' -e 's/: /\t/' | expand -t 16
