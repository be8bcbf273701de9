# plugin/: ipclab's QEMU TCG plugin (instruction profiles by symbol, cache
# footprint and a Cortex-A53 cache model, kernel line coverage), built with
# the host compiler against plugin/qemu_plugin_api.h (QEMU 7.2's plugin API,
# version 1, declared by hand: Debian ships no header).  plugin/README.md.

PLUGIN_SO     := $(BUILD)/plugin/libipclab.so
PLUGIN_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -fPIC -fvisibility=hidden
PLUGIN_SRCS   := plugin/plugin.c plugin/cache.c
PLUGIN_HDRS   := plugin/cache.h plugin/qemu_plugin_api.h
PLUGIN_TEST_CACHE := $(BUILD)/plugin/test_cache

$(PLUGIN_SO): $(PLUGIN_SRCS) $(PLUGIN_HDRS) plugin/plugin.mk | deps
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) $(PLUGIN_CFLAGS) -shared -o $@ $(PLUGIN_SRCS) -lpthread

$(PLUGIN_TEST_CACHE): plugin/test/test_cache.c plugin/cache.c plugin/cache.h | deps
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) -std=gnu11 -O1 -g -Wall -Wextra -Werror $(HOST_SAN_CFLAGS) -Iplugin -o $@ \
		plugin/test/test_cache.c plugin/cache.c

.PHONY: plugin
## plugin: the QEMU plugin, build/plugin/libipclab.so
plugin: $(PLUGIN_SO)

# `make profile ARGS="workload=ep_call words=0 space=diff"`: one run of the
# workload with the plugin, published under results/ with its profile by
# symbol, footprint and modelled misses (bench/plugin.py, analysis/profile.py).
.PHONY: profile coverage test-plugin test-coverage
## profile: one run with the QEMU plugin: instructions per operation by symbol, cache lines and modelled misses (ARGS="workload=ep_call words=0 space=diff", or SWEEP=plugin/sweeps/footprint.toml)
profile: $(KIMAGE) $(KQEMU_JSON) $(PLUGIN_SO) | deps
	@test -n "$(ARGS)$(SWEEP)" || { echo 'usage: make profile ARGS="workload=<name> [param=value ...]" (or SWEEP=file)'; exit 2; }
	IPCLAB_CROSS=$(CROSS) $(PYTHON) -m bench.plugin profile --image $(KIMAGE) --plugin $(PLUGIN_SO) \
		$(if $(SWEEP),--sweep $(SWEEP)) $(ARGS)

# The synthetic guest of the plugin's tests: a known instruction mix and footprint.
PLUGIN_SYNTH := $(BUILD)/plugin/synthetic.elf
$(PLUGIN_SYNTH): plugin/test/synthetic.S | deps
	@mkdir -p $(@D)
	@echo "  AS      $@"
	@$(XCC) -nostdlib -static -no-pie -Wl,-Ttext=0x40200000,--build-id=none -o $@ $<

## test-plugin: the plugin builds and loads, samples with it are byte-identical to those without, profile totals, synthetic footprint, the cache model, refused arguments
test-plugin: $(PLUGIN_SO) $(PLUGIN_TEST_CACHE) $(PLUGIN_SYNTH) $(KIMAGE) $(KQEMU_JSON) | deps
	@$(call test_limit,60,$(PLUGIN_TEST_CACHE))
	@IPCLAB_CROSS=$(CROSS) $(call test_limit,600,$(PYTHON) -m pytest -q -p no:cacheprovider plugin/test)

TEST_TARGETS += test-plugin

# `make coverage`: the in-QEMU suite (one CPU and two) and the EL2 boot with
# the plugin counting instructions; the kernel's lines executed per source
# file (analysis/coverage.py) into $(COVERAGE_DIR).
COVERAGE_DIR := $(BUILD)/coverage
## coverage: kernel line coverage of the in-QEMU suite (1 and 2 CPUs) and the EL2 boot, per source file with the lines never reached ($(BUILD)/coverage/coverage.md)
coverage: $(KIMAGE) $(KQEMU_JSON) $(PLUGIN_SO) | deps
	IPCLAB_CROSS=$(CROSS) $(PYTHON) -m bench.plugin coverage --image $(KIMAGE) --plugin $(PLUGIN_SO) --out $(COVERAGE_DIR)

# In make test: the total only (the per-file table: make coverage), and a
# failure below the floor.
COVERAGE_FLOOR := 90
## test-coverage: make coverage, printing only the total lines; fails below COVERAGE_FLOOR percent
test-coverage: $(KIMAGE) $(KQEMU_JSON) $(PLUGIN_SO) | deps
	@out=$$(IPCLAB_CROSS=$(CROSS) $(call test_limit,600,$(PYTHON) -m bench.plugin coverage --image $(KIMAGE) \
		--plugin $(PLUGIN_SO) --out $(COVERAGE_DIR) --floor $(COVERAGE_FLOOR)) 2>&1); st=$$?; \
		printf '%s\n' "$$out" | tail -2; exit $$st
TEST_TARGETS += test-coverage
