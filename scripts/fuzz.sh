#!/bin/sh
# Runs libFuzzer targets built by make fuzz (docs/fuzzing.md), each for
# SECONDS seconds, one after another.
#
# The committed seeds (fuzz/corpus/<name>/) are read only; what a run adds
# goes to BUILD/corpus/<name>/, which the next run starts from. A crash, leak
# or failed property is written to BUILD/artifacts/<name>/ and makes the
# script fail once every target has run; commit the input as a seed in
# fuzz/corpus/<name>/ with the fix, so ctest replays it from then on.
#
# usage: scripts/fuzz.sh BUILD SECONDS TARGET...
set -u
cd "$(dirname "$0")/.."
build=$1 seconds=$2
shift 2
status=0
for target in "$@"; do
	name=${target#fuzz_}
	mkdir -p "$build/corpus/$name" "$build/artifacts/$name"
	dict=""
	[ -f "fuzz/$name.dict" ] && dict="-dict=fuzz/$name.dict"
	echo "== $target: $seconds s"
	# -rss_limit_mb: camt.054 files up to 16 MiB are held as a DOM; the
	# default 2 GiB is enough, but say it. -max_len: large enough for
	# real bank files, small enough to keep executions fast.
	"$build/fuzz/$target" -max_total_time="$seconds" -print_final_stats=1 \
		-max_len=65536 -rss_limit_mb=2048 -timeout=10 $dict \
		-artifact_prefix="$build/artifacts/$name/" \
		"$build/corpus/$name" "fuzz/corpus/$name" \
		2>"$build/$name.log"
	rc=$?
	grep -E '^#[0-9]+.*DONE|^stat::|SUMMARY|ERROR|property failed' "$build/$name.log"
	if [ $rc -ne 0 ]; then
		echo "fuzz: $target failed (exit $rc); see $build/$name.log and $build/artifacts/$name/"
		status=1
	fi
done
exit $status
