#!/bin/sh
# Check the wake-up protocol models (wake.pml) with spin, exhaustively.
#   check.sh OUTDIR
# Each protocol must verify with no error at several ring sizes; each
# broken variant must be refuted (spin finds the lost wake-up), or the
# check itself would be worthless.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$1
mkdir -p "$out"
cd "$out"
cp "$here/wake.pml" wake.pml

status=0
# check NAME EXPECT(ok|lost) SPIN-DEFINES...
check() {
	name=$1
	expect=$2
	shift 2
	rm -f pan pan.* ./*.trail
	if ! spin "$@" -a wake.pml >"$name.spin.log" 2>&1; then
		echo "model $name: spin could not read the model (see $out/$name.spin.log)"
		status=1
		return
	fi
	cc -O2 -w -DSAFETY -o pan pan.c
	./pan -m100000 >"$name.pan.log" 2>&1 || true
	errs=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$name.pan.log")
	states=$(sed -n 's/^ *\([0-9]*\) states, stored.*/\1/p' "$name.pan.log")
	if [ -z "$errs" ]; then
		echo "model $name: pan did not finish (see $out/$name.pan.log)"
		status=1
	elif [ "$expect" = ok ]; then
		if [ "$errs" = 0 ] && ! grep -q "search not completed" "$name.pan.log"; then
			echo "model $name: no lost wake-up, no deadlock ($states states, exhaustive)"
		else
			echo "model $name: FAILED, $errs errors (see $out/$name.pan.log)"
			status=1
		fi
	else
		if [ "$errs" -ge 1 ] && grep -q "invalid end state" "$name.pan.log"; then
			echo "model $name: broken on purpose, and spin finds the lost wake-up"
		else
			echo "model $name: FAILED: spin found no error in a broken protocol"
			status=1
		fi
	fi
}

for size in "-DN=4 -DCAP=2" "-DN=5 -DCAP=1" "-DN=6 -DCAP=3"; do
	tag=$(echo "$size" | sed 's/-D//g; s/ /,/')
	# shellcheck disable=SC2086
	{
		check "announce($tag)" ok -DANNOUNCE $size
		check "transition($tag)" ok -DTRANSITION $size
		check "every($tag)" ok -DEVERY $size
		check "transition-batched($tag)" ok -DTRANSITION -DBATCH $size
		check "announce-batched($tag)" ok -DANNOUNCE -DBATCH $size
	}
done
check "announce-without-recheck" lost -DANNOUNCE -DSKIP_RECHECK
check "announce-without-fence" lost -DANNOUNCE -DNO_FENCE
check "transition-without-fence" lost -DTRANSITION -DNO_FENCE
check "transition-batched-first-only" lost -DTRANSITION -DBATCH -DFIRST_ONLY -DN=6 -DCAP=3
rm -f pan pan.*
exit $status
