# bench/: the host harness (a Python package run as `$(PYTHON) -m bench`).
#
#   make bench                      default sweep on the kernel (virt), then the
#                                   short Linux sweep when the Linux runner exists,
#                                   then the linux-virt sweep (Debian's Linux on the
#                                   same emulated machine) and the side-by-side table
#   make bench SWEEP=file           another sweep
#   make bench PLATFORM=linux       the Linux sweep (or SWEEP=file on linux)
#   make bench PLATFORM=linux-virt  the linux-virt sweep (or SWEEP=file on it)
#   RESULTS_ROOT=dir  where results directories go (default results/)
#   J=n          parallel runs (default: the number of cores)

SWEEP    ?=
PLATFORM ?=
RESULTS_ROOT ?=
J        ?=

BENCH_DEFAULT_SWEEP := bench/sweeps/default.toml
BENCH_LINUX_SWEEP   := bench/sweeps/linux.toml
BENCH_LINUX_VIRT_SWEEP := bench/sweeps/linux-virt.toml
BENCH_SWEEP := $(if $(SWEEP),$(SWEEP),$(if $(filter linux,$(PLATFORM)),$(BENCH_LINUX_SWEEP),$(if $(filter linux-virt,$(PLATFORM)),$(BENCH_LINUX_VIRT_SWEEP),$(BENCH_DEFAULT_SWEEP))))
BENCH_ARGS   = $(if $(J),-j $(J)) $(if $(RESULTS_ROOT),--results $(RESULTS_ROOT))
# What `make bench` builds first: the image of the platform it runs (the
# kernel, the Linux runner, the linux-virt boot files).  The harness itself
# also runs `make -s kernel` or `make -s linux-runner` for the platform its
# sweep names (a no-op when up to date), so SWEEP=<a linux sweep> works too.
BENCH_PREREQS := $(if $(filter linux,$(PLATFORM)),linux-runner,$(if $(filter linux-virt,$(PLATFORM)),linux-virt,kernel))

.PHONY: bench bench-list test-bench expected

## bench: run a sweep (SWEEP=file, default bench/sweeps/default.toml, then linux.toml and linux-virt.toml and the side-by-side table; PLATFORM=virt|linux|linux-virt; J=n; RESULTS_ROOT=dir), print the summary table and the results path
bench: $(BENCH_PREREQS) | deps
ifeq ($(PLATFORM),linux)
	$(PYTHON) -m bench run $(BENCH_SWEEP) --platform linux $(BENCH_ARGS)
else
	$(PYTHON) -m bench run $(BENCH_SWEEP) $(if $(PLATFORM),--platform $(PLATFORM)) $(BENCH_ARGS)
ifeq ($(SWEEP)$(PLATFORM),)
	@$(MAKE) --no-print-directory linux-runner
	$(PYTHON) -m bench run $(BENCH_LINUX_SWEEP) $(BENCH_ARGS)
	@$(MAKE) --no-print-directory linux-virt
	$(PYTHON) -m bench run $(BENCH_LINUX_VIRT_SWEEP) $(BENCH_ARGS)
	$(PYTHON) -m bench side-by-side --write $(if $(RESULTS_ROOT),--results $(RESULTS_ROOT))
endif
endif

## bench-list: the workloads and parameters the kernel image offers (asks it with workload=list)
bench-list: kernel | deps
	$(PYTHON) -m bench list

## expected: rewrite bench/expected/samples.csv from a fresh exact-mode run of bench/sweeps/expected.toml (when a change of those figures is intended; commit it with the change)
expected: kernel | deps
	$(PYTHON) -m bench.expected --write

## test-bench: the harness tests (parser, judging, hostile captures, sweep checks, fake-platform runs, resume, export/merge, atomic publish, with the analysis; exact-mode reproducibility and the committed expected samples with the kernel image)
test-bench: kernel | deps
	$(call test_limit,600,$(PYTHON) -m pytest -q -p no:cacheprovider bench/tests)
TEST_TARGETS += test-bench
