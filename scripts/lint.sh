#!/bin/sh
# Fails on the functions docs/architecture.md bans, and on floating point in money
# and billing code. Bounded or re-entrant forms exist for every one of them.
set -u
cd "$(dirname "$0")/.."
status=0
hits=$(grep -rnE '\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|atoll|gets|localtime|gmtime)[[:space:]]*\(' src tests bench fuzz 2>/dev/null | grep -v '^\S*:\s*//' )
if [ -n "$hits" ]; then
	echo "lint: banned functions:"; echo "$hits"; status=1
fi
floats=$(grep -rnE '\b(float|double)\b' src/core/money.* src/billing 2>/dev/null)
if [ -n "$floats" ]; then
	echo "lint: floating point in money/billing code:"; echo "$floats"; status=1
fi
[ $status -eq 0 ] && echo "lint: ok"
exit $status
