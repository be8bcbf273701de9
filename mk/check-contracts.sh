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

# The test time limit (mk/toolchain.mk: test_limit, test_timeout): no other
# timeout(1), and no recipe line of a test target without it.  The test
# targets are TEST_TARGETS and the parts of one whose own recipe only
# prints (test-ipc, test-workloads); a recipe line (with its continuations)
# passes when it uses the limit itself or through a make variable it
# expands, or only prints or makes a directory.
check '(^|[^A-Za-z0-9_.$-])timeout[[:space:]]+(-|[0-9])' mk/toolchain.mk \
	"the test time limit (a recipe uses \$(call test_limit,...) or \$(call test_timeout,...))"
LIMIT_AWK='
function limited(s, depth,   rest, name) {
	if (s ~ /test_limit|test_timeout|TEST_TIMEOUT/) return 1
	if (depth > 8) return 0
	rest = s
	while (match(rest, /\$\((call[ \t]+)?[A-Za-z_][A-Za-z0-9_]*/)) {
		name = substr(rest, RSTART + 2, RLENGTH - 2)
		sub(/^call[ \t]+/, "", name)
		rest = substr(rest, RSTART + RLENGTH)
		if ((name in defs) && limited(defs[name], depth + 1)) return 1
	}
	return 0
}
function prints_only(s) {
	sub(/^[ \t]*[@+-]*[ \t]*/, "", s)
	gsub(/"[^"]*"/, "", s); gsub(/\047[^\047]*\047/, "", s)
	return s !~ /;|&&|\|\||\||`|\$\$\(/ && s ~ /^(echo|printf|mkdir|true|:)([ \t]|$)/
}
function logical(s, where,   t, p, n, i, w, name, val) {
	if (indef) {
		if (s ~ /^[ \t]*endef([ \t]|$)/) indef = 0
		else defs[defname] = defs[defname] "\n" s
		return
	}
	if (s ~ /^(override[ \t]+)?define[ \t]/) {
		defname = s
		sub(/^(override[ \t]+)?define[ \t]+/, "", defname); sub(/[ \t].*$/, "", defname)
		indef = 1; cur = ""; return
	}
	if (s ~ /^\t/) {
		if (cur != "") { n = ++nrec[cur]; rec[cur, n] = s; at[cur, n] = where }
		return
	}
	if (s ~ /^[ \t]*(#|$)/) return
	if (s ~ /^[ \t]*(export[ \t]+|override[ \t]+)?[A-Za-z0-9_.-]+[ \t]*(\+|\?|!|:|::)?=/) {
		name = s
		sub(/[ \t]*(\+|\?|!|:|::)?=.*$/, "", name); sub(/^[ \t]*(export[ \t]+|override[ \t]+)?/, "", name)
		val = s; sub(/^[^=]*=/, "", val)
		defs[name] = defs[name] " " val
		if (name == "TEST_TARGETS") tests = tests " " val
		cur = ""; return
	}
	cur = ""
	if (s ~ /^[^ \t][^=]*:/) {
		t = s; sub(/:.*$/, "", t)
		p = s; sub(/^[^:]*::?[ \t]*/, "", p)
		if (p ~ /^[A-Za-z0-9_.-]+[ \t]*(\+|\?|!|:)?=/) return
		sub(/\|.*$/, "", p); sub(/;.*$/, "", p)
		n = split(t, w, /[ \t]+/)
		for (i = 1; i <= n; i++) if (w[i] != "") {
			if (cur == "") cur = w[i]
			pre[w[i]] = pre[w[i]] " " p; isrule[w[i]] = 1
		}
	}
}
{
	if (!cont) { buf = $0; start = FILENAME ":" FNR } else buf = buf "\n" $0
	cont = ($0 ~ /\\$/)
	if (!cont) logical(buf, start)
}
END {
	n = split(tests, tt, /[ \t]+/)
	for (i = 1; i <= n; i++) if (tt[i] != "") want[tt[i]] = 1
	for (changed = 1; changed; ) {
		changed = 0
		for (t in want) {
			agg = 1
			for (k = 1; k <= nrec[t]; k++) if (!prints_only(rec[t, k])) agg = 0
			if (!agg) continue
			m = split(pre[t], pw, /[ \t]+/)
			for (j = 1; j <= m; j++)
				if ((pw[j] in isrule) && !(pw[j] in want)) { want[pw[j]] = 1; changed = 1 }
		}
	}
	for (t in want) {
		if (!(t in isrule)) print "TEST_TARGETS names " t ", which no rule makes"
		for (k = 1; k <= nrec[t]; k++) {
			s = rec[t, k]
			if (prints_only(s) || limited(s, 0)) continue
			sub(/\n.*/, " ...", s); sub(/^\t/, "", s)
			print at[t, k] ": " t ": " s
		}
	}
}'
hits=$(git ls-files -z -- Makefile '*.mk' ':!*/fixtures/*' | xargs -0 -r awk "$LIMIT_AWK" | sort -t: -k1,1 -k2,2n)
if [ -n "$hits" ]; then
	echo "check-contracts: a test runs without the time limit (\$(call test_limit,SECONDS,COMMAND), mk/toolchain.mk):"
	echo "$hits" | sed 's/^/    /'
	status=1
fi
# The rule itself must be able to fail: a test target of two parts, one
# limited, one not, must give exactly the unlimited one.
selftest=$(mktemp) || exit 2
printf '%s\n' 'TEST_TARGETS += t-all' 'LIM = $(call test_limit,9,$(1))' 't-all: t-a t-b' '	@echo all' \
	't-a:' '	@echo a; $(call LIM,./a)' 't-b: | deps' '	@mkdir -p x' '	./b \' '		--quick' > "$selftest"
got=$(awk "$LIMIT_AWK" "$selftest" | sed 's/^[^:]*:[0-9]*: //')
rm -f "$selftest"
[ "$got" = "t-b: ./b \\ ..." ] || {
	echo "check-contracts: the time-limit rule no longer finds a recipe without the limit (got: ${got:-nothing})"; status=1; }

[ $status -eq 0 ] && echo "check-contracts: one definition of each contract"
exit $status
