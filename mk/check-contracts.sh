#!/bin/sh
# Every contract that two parts of the tree share has one definition; this
# check fails when a second copy of one appears.  Each rule: a pattern (an
# extended regular expression), the one file allowed to hold it, and what it
# defines.  Documentation (*.md), committed results and test fixtures may
# quote a definition; code may not.  Run by `make test-contracts`.
set -u
cd "$(dirname "$0")/.."
status=0

# check PATTERN OWNER WHAT
check() {
	hits=$(git grep -n -I -E -e "$1" -- ':!*.md' ':!results/' ':!*/fixtures/*' \
		':!mk/check-contracts.sh' ":!$2" 2>/dev/null)
	if [ -n "$hits" ]; then
		echo "check-contracts: $3 is defined in $2; a second copy:"
		echo "$hits" | sed 's/^/    /'
		status=1
	fi
	git grep -q -I -E -e "$1" -- "$2" || {
		echo "check-contracts: $2 no longer holds $3 (pattern $1)"; status=1; }
}

check 'qemu-system-aarch64' mk/qemu.mk "the QEMU binary"
check '-icount[ "]|shift=0,' mk/qemu.mk "QEMU's exact mode"
check '-M virt|"-M", *"virt"|-cpu cortex|"-cpu", *"cortex|-nographic|-nodefaults' mk/qemu.mk "the emulated machine"
check 'aarch64-linux-gnu-' mk/toolchain.mk "the cross prefix"
check '-mcpu=|-mgeneral-regs-only|-mno-outline-atomics|-mstrict-align' mk/toolchain.mk "the task flags"
check '-fsanitize=' mk/toolchain.mk "the sanitizer flags"

[ $status -eq 0 ] && echo "check-contracts: one definition of each contract"
exit $status
