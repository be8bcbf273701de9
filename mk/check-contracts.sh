#!/bin/sh
# Every contract that two parts of the tree share has one definition; this
# check fails when a second copy of one appears.  Each rule: a pattern (an
# extended regular expression), the one file allowed to hold it, and what it
# defines.  Documentation (*.md), committed results and test fixtures may
# quote a definition; code may not (bench/tests/test_contracts.py holds
# copies on purpose: the cases this check must find).  Run by `make test-contracts`.
set -u
cd "$(dirname "$0")/.."
status=0

# check PATTERN OWNER WHAT [EXCLUDED PATHSPEC ...]
check() {
	pat=$1 owner=$2 what=$3
	shift 3
	hits=$(git grep -n -I -E -e "$pat" -- ':!*.md' ':!results/' ':!*/fixtures/*' \
		':!mk/check-contracts.sh' ':!bench/tests/test_contracts.py' ":!$owner" "$@" 2>/dev/null |
		grep -v -E '^[^:]+:[0-9]+:[[:space:]]*(#|\*|//|/\*)')
	if [ -n "$hits" ]; then
		echo "check-contracts: $what is defined in $owner; a second copy:"
		echo "$hits" | sed 's/^/    /'
		status=1
	fi
	git grep -q -I -E -e "$pat" -- "$owner" || {
		echo "check-contracts: $owner no longer holds $what (pattern $pat)"; status=1; }
}

# QEMU: its binary (any qemu-system-*, however the name is put together;
# Makefile names the Debian package qemu-system-arm, and
# plugin/qemu_plugin_api.h says where its API comes from), its exact mode,
# and the options of the machine, as make or shell words or as quoted argv
# elements.  A comment may name an option; code may not use one.
Q="[\"']"
check 'qemu-system-' mk/qemu.mk "the QEMU binary" ':!Makefile' ':!plugin/qemu_plugin_api.h'
check "-icount[ =]+[a-z]|${Q}-icount${Q}|shift=[0-9],|align=(on|off)|sleep=(on|off)" mk/qemu.mk "QEMU's exact mode"
check "-M[ =]+virt|${Q}-M${Q}|-machine[ =]+[a-z]|${Q}-machine${Q}|virtualization=on|-cpu[ =]+cortex|${Q}-cpu${Q}|${Q}-smp${Q}|-smp[ =]+[0-9\$]|${Q}-serial${Q}|-serial[ =]+(stdio|mon)|-nographic|-nodefaults|${Q}-semihosting${Q}|${Q}-no-reboot${Q}" \
	mk/qemu.mk "the emulated machine"
# The make variables of that definition compose no other command line: a
# recipe calls qemu_cmd (kernel/test/test.mk only prints the entry options).
check '\$\(QEMU\)|\$\(QEMU_(MACHINE|EXACT|TIMED|MODE_[a-z]*|SMP_OPTION|BOARD|MEM)\)' mk/qemu.mk \
	"the QEMU command line's parts (a recipe uses \$(call qemu_cmd,...))"
check 'aarch64-linux-gnu-' mk/toolchain.mk "the cross prefix"
check '-mcpu=|-mgeneral-regs-only|-mno-outline-atomics|-mstrict-align' mk/toolchain.mk "the task flags"
check '-fsanitize=' mk/toolchain.mk "the sanitizer flags"

[ $status -eq 0 ] && echo "check-contracts: one definition of each contract"
exit $status
