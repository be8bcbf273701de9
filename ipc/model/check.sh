#!/bin/sh
# Check the wake-up protocol models with spin, exhaustively.
#   check.sh OUTDIR
# The protocol as built must verify with no error; each broken variant must
# be refuted (spin finds the lost wake-up), or the check itself is broken.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$1
mkdir -p "$out"
cd "$out"

# run NAME DEFINES: verify the model; print spin's error count
run() {
	name=$1
	shift
	rm -f pan pan.* ./*.trail
	cp "$here/announce.pml" "$name.pml"
	spin "$@" -a "$name.pml" >"$name.spin.log"
	cc -O2 -w -DSAFETY -o pan pan.c
	./pan -m100000 >"$name.pan.log" 2>&1 || true
	grep -q "Full statespace search" "$name.pan.log" || grep -q "errors:" "$name.pan.log" || {
		echo "model $name: spin did not complete (see $out/$name.pan.log)" >&2
		exit 1
	}
	sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$name.pan.log"
}

status=0
errs=$(run announce)
states=$(sed -n 's/^ *\([0-9]*\) states, stored.*/\1/p' announce.pan.log)
if [ "$errs" = 0 ] && ! grep -q "search not completed" announce.pan.log; then
	echo "model announce: no lost wake-up, no deadlock, in order ($states states, exhaustive)"
else
	echo "model announce: FAILED ($errs errors; see $out/announce.pan.log)"
	status=1
fi
for broken in SKIP_RECHECK NO_FENCE; do
	errs=$(run "$broken" "-D$broken")
	if [ "${errs:-0}" -ge 1 ] && grep -q "invalid end state" "$broken.pan.log"; then
		echo "model announce -D$broken: spin finds the lost wake-up, as it must"
	else
		echo "model announce -D$broken: FAILED: spin found no error in a broken protocol"
		status=1
	fi
done
rm -f pan pan.*
exit $status
