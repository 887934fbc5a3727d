#!/bin/sh
# Runs the unit tests and the API suite against a build made with
# -fsanitize=address,undefined (make test-asan builds it in build-asan).
#
# Every instrumented process writes its AddressSanitizer, LeakSanitizer and
# UBSan reports to files under a fresh directory instead of stderr: that way a
# report from `recur serve` (a child of the API harness, whose output nobody
# reads) or from a CLI call a test expected to fail still fails the run. A
# report file left behind after the suites is a failure even when every test
# passed.
#
# usage: scripts/test-asan.sh BUILD_DIR
set -u
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/test-asan.sh BUILD_DIR}
logs=$(mktemp -d "${TMPDIR:-/tmp}/recur-asan-XXXXXX")

# detect_leaks: LeakSanitizer at every exit (also for the server, which exits
# through main on SIGTERM). RECUR_ASAN_OPTIONS adds options: when a leak's
# stack stops in jansson's allocator, fast_unwind_on_malloc=0 gives the whole
# stack (and makes the run about twice as slow).
export ASAN_OPTIONS="detect_leaks=1:log_path=$logs/asan${RECUR_ASAN_OPTIONS:+:$RECUR_ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan"

status=0
(cd "$build" && ctest --output-on-failure -j2) || status=1
RECUR_BIN="$(pwd)/$build/recur" node --test --test-concurrency=1 tests/api/ || status=1

reports=$(find "$logs" -type f | sort)
if [ -n "$reports" ]; then
	echo "test-asan: sanitizer reports:"
	for f in $reports; do
		echo "== $f"
		cat "$f"
	done
	status=1
else
	echo "test-asan: no sanitizer reports"
fi
rm -rf "$logs"
exit $status
