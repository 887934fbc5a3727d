#!/bin/sh
# Runs every ctest program of BUILD (a normal, unsanitized build) under
# valgrind's memcheck: invalid reads and writes, uses of uninitialised
# values and definite or indirect leaks fail it. Two at a time.
#
# usage: scripts/test-valgrind.sh BUILD_DIR
set -u
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/test-valgrind.sh BUILD_DIR}
logs=$(mktemp -d "${TMPDIR:-/tmp}/recur-valgrind-XXXXXX")
export CMOCKA_MESSAGE_OUTPUT=stdout

# One line per test: name, then its command (ctest's own list, so the
# arguments are the ones ctest would pass).
(cd "$build" && ctest --show-only=json-v1) |
	jq -r '.tests[] | [.name] + .command | @tsv' >"$logs/tests.tsv"

run() {
	name=$1
	shift
	log="$logs/$(echo "$name" | tr / _).log"
	if valgrind --quiet --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
		--track-origins=yes "$@" >"$log" 2>&1; then
		echo "ok     $name"
	else
		echo "FAILED $name"
		cat "$log"
		return 1
	fi
}

status=0
pids=""
while IFS="$(printf '\t')" read -r name cmd; do
	# The arguments are tab-separated too; none of ours has spaces.
	run "$name" $(echo "$cmd" | tr '\t' ' ') &
	pids="$pids $!"
	if [ "$(echo $pids | wc -w)" -ge 2 ]; then
		for p in $pids; do wait "$p" || status=1; done
		pids=""
	fi
done <"$logs/tests.tsv"
for p in $pids; do wait "$p" || status=1; done
passed=$(grep -c . "$logs/tests.tsv")
rm -rf "$logs"
[ $status -eq 0 ] && echo "test-valgrind: $passed programs clean" || echo "test-valgrind: failures above"
exit $status
