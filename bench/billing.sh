#!/bin/sh
# bench/billing.sh BUILD_DIR - the billing run (make bench, docs/benchmarks.md).
#
# Runs BUILD_DIR/bench_billing_run (bench/billing_run.c) once per N: it makes N
# active subscriptions in a fresh SQLite database (mixed monthly and yearly,
# 20 % with a coupon, 30 % with tax, 5 % with a failing card, all paying by
# card), renews them all at their period end through the real renewal path
# (svc_subscription_run_due_wall, as the scheduler calls it: invoice, charge
# through the sandbox gateway, ledger postings), checks the result and the
# books, and measures in the same run the storage floor (raw sqlite3 writing
# the same rows) and peak RSS. Each N is a separate process, so one N's memory
# and caches never flatter another's.
#
# Knobs (environment):
#   BENCH_BILLING_N="10000 100000 1000000"   the sizes; the three show how cost
#                                            grows with N. 1000000 takes about
#                                            50 minutes on a 2-core VM (~550
#                                            renewals/s, floor and generation).
#   BENCH_BILLING_DIR=DIR                    where the databases go (default
#                                            $TMPDIR or /tmp; the run and the
#                                            floor's copy: ~0.8 GB each at 100k,
#                                            ~8 GB each at 1M, plus their WALs:
#                                            the floor's filled 70 GB free at 1M,
#                                            so give it >= 100 GB or use -F)
#   BENCH_BILLING_ARGS="-F"                  extra flags (-F: no floor, -k: keep)
set -eu

build=${1:-build}
bin=$build/bench_billing_run
sizes=${BENCH_BILLING_N:-10000 100000 1000000}
dir=${BENCH_BILLING_DIR:-${TMPDIR:-/tmp}}
args=${BENCH_BILLING_ARGS:-}

if [ ! -x "$bin" ]; then
	echo "bench: no executable at $bin (run make build)" >&2
	exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
commit=$(git -C "$here/.." rev-parse --short HEAD 2>/dev/null || echo '?')
if [ -n "$(git -C "$here/.." status --porcelain -- src bench 2>/dev/null)" ]; then
	commit="$commit+dirty"
fi
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
echo "recur billing run: $(date -u +%Y-%m-%dT%H:%MZ), commit $commit, $(nproc) cores ($cpu)," \
	"$(uname -sr), SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1 || echo '?')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews every number)"

log=$(mktemp "${TMPDIR:-/tmp}/recur-billing-log.XXXXXX")
trap 'rm -f "$log"' EXIT
summary=""
for n in $sizes; do
	echo
	# shellcheck disable=SC2086
	"$bin" -n "$n" -d "$dir" $args | tee "$log"
	out=$(grep '^RESULT ' "$log") || {
		echo "bench: the billing run failed at N=$n" >&2
		exit 1
	}
	summary="$summary$out
"
done

echo
echo "summary (renewals/s, storage floor renewals/s, ratio, peak RSS MiB, run seconds):"
printf '%s' "$summary" | sed 's/^RESULT /  /'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
