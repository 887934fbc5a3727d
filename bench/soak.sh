#!/bin/sh
# bench/soak.sh BIN - a long mixed load on a real `recur serve` (make soak).
#
# Starts BIN on a fresh SQLite database in a temporary directory with the setup of
# bench/run.sh (a tenant and a pool of customers paying by pm_card_visa, bench/lib.sh),
# then drives it with wrk at SOAK_CONNECTIONS (64) for SOAK_SECONDS (300) with the
# mix of bench/soak.lua: reads (a customer, a page of invoices) and writes (new
# customers, subscriptions charged and then canceled, invoices drafted, given an
# item, finalized and then paid or voided). The server's VmRSS is sampled every
# SOAK_SAMPLE seconds (10).
#
# Exit status 1 on any 5xx, any socket error, any other non-2xx (the mix only
# sends requests that should succeed), a dead server, or RSS growth of 10 % or
# more from the first sample after SOAK_WARMUP seconds (30) to the end.
#
# Knobs (environment): SOAK_SECONDS=300, SOAK_CONNECTIONS=64, SOAK_WRK_THREADS=1,
# SOAK_SAMPLE=10, SOAK_WARMUP=30, BENCH_POOL=256, BENCH_SERVER_THREADS=,
# BENCH_KEEP=1 (keep the temporary directory), BENCH_COMMIT.
set -eu

bin=${1:-build/recur}
here=$(cd "$(dirname "$0")" && pwd)
seconds=${SOAK_SECONDS:-300}
connections=${SOAK_CONNECTIONS:-64}
wrk_threads=${SOAK_WRK_THREADS:-1}
sample=${SOAK_SAMPLE:-10}
warmup=${SOAK_WARMUP:-30}
pool=${BENCH_POOL:-256}
server_threads=${BENCH_SERVER_THREADS:-}

# shellcheck source=lib.sh
. "$here/lib.sh"
bench_need

dir=$(mktemp -d "${TMPDIR:-/tmp}/recur-soak.XXXXXX")
pid=
wrk_pid=
cleanup() {
	[ -n "$wrk_pid" ] && kill "$wrk_pid" 2>/dev/null
	stop_server
	if [ "${BENCH_KEEP:-}" = 1 ]; then
		echo "soak: kept $dir" >&2
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

db="sqlite:$dir/soak.db"
server_log="$dir/server.log"
bench_tenant "$db"
start_server "$db"
bench_pool "$pool"
export BENCH_CUSTOMERS="$dir/customers.txt" BENCH_PRICE="$price"

echo "recur soak: $(date -u +%Y-%m-%dT%H:%MZ), commit $(bench_commit "$here"), $(nproc) cores," \
	"$(uname -sr)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews every number)"
echo "wrk: $connections connections, $wrk_threads thread(s), ${seconds}s, bench/soak.lua;" \
	"server: ${server_threads:-default} threads; $pool pool customers"
echo "VmRSS after the setup: $(vmrss "$pid") KiB"
echo

wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" --timeout 10s --latency \
	-s "$here/soak.lua" -H "Authorization: Bearer $key" "$url/" >"$dir/wrk.txt" 2>&1 &
wrk_pid=$!

# One sample every $sample seconds while wrk runs: seconds since the start, VmRSS.
start=$(date +%s)
: >"$dir/rss.txt"
while kill -0 "$wrk_pid" 2>/dev/null; do
	sleep "$sample"
	kill -0 "$pid" 2>/dev/null || break
	now=$(($(date +%s) - start))
	kill -0 "$wrk_pid" 2>/dev/null || break
	rss=$(vmrss "$pid")
	echo "$now $rss" >>"$dir/rss.txt"
	printf 't=%4ds  VmRSS %6d KiB  requests so far %d\n' "$now" "$rss" \
		"$(wc -l <"$server_log")"
done
wait "$wrk_pid" || true
wrk_pid=
failed=0
if ! kill -0 "$pid" 2>/dev/null; then
	echo "soak: the server died:" >&2
	tail -n 20 "$server_log" >&2
	pid=
	exit 1
fi
rss_end=$(vmrss "$pid")
echo "$(($(date +%s) - start)) $rss_end" >>"$dir/rss.txt"

line=$(grep '^SOAK ' "$dir/wrk.txt" || true)
if [ -z "$line" ]; then
	echo "soak: wrk failed:" >&2
	cat "$dir/wrk.txt" >&2
	exit 1
fi
# shellcheck disable=SC2086
set -- $line
echo
echo "$2 $3 $4 $5 $6 $7 $8 $9 ${10}" | awk '{
	printf "requests %d in %.0f s: %.0f req/s, p50 %.3f ms, p99 %.3f ms, max %.1f ms\n",
		$1, $2 / 1e6, $1 / ($2 / 1e6), $3 / 1e3, $4 / 1e3, $5 / 1e3
	printf "2xx %d, 4xx %d, 5xx %d, socket errors %d\n", $6, $7, $8, $9 }'
[ "$8" = 0 ] && [ "$9" = 0 ] && [ "${10}" = 0 ] || failed=1

echo "per request kind (server log):"
awk '$3 ~ /^(GET|POST|DELETE)$/ {
	p = $4; sub(/\?.*/, "", p)
	gsub(/\/(cus|in|sub)_[A-Za-z0-9]+/, "/:id", p)
	n[$3 " " p " " $5]++
} END { for (k in n) printf "  %8d  %s\n", n[k], k }' "$server_log" | sort -k2
stop_server
echo "database: $(du -k "$dir/soak.db" | cut -f1) KiB;" \
	"$(sqlite3 "$dir/soak.db" "SELECT (SELECT count(*) FROM customers) || ' customers, ' ||
		(SELECT count(*) FROM subscriptions) || ' subscriptions, ' ||
		(SELECT count(*) FROM invoices) || ' invoices, ' || (SELECT count(*) FROM charges) ||
		' charges, ' || (SELECT count(*) FROM events) || ' events'")"
if "$bin" verify --db "$db" >"$dir/verify.txt" 2>&1; then
	echo "recur verify: clean ($(grep -c '^ *ok ' "$dir/verify.txt") checks)"
else
	echo "soak: recur verify failed:" >&2
	cat "$dir/verify.txt" >&2
	failed=1
fi

# RSS growth from the first sample at or after the warm-up to the end.
awk -v warmup="$warmup" '
	$1 >= warmup && base == "" { base = $2; at = $1 }
	{ if ($2 > max) max = $2; last = $2 }
	END {
		if (base == "") { print "soak: no RSS sample after the warm-up"; exit 1 }
		g = (last - base) * 100 / base
		printf "VmRSS: %d KiB at t=%ds (after the warm-up), %d KiB at the end, max %d KiB:" \
			" growth %+.1f %%\n", base, at, last, max, g
		exit g >= 10
	}' "$dir/rss.txt" || failed=1
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$failed" = 1 ]; then
	echo "soak: FAILED (5xx, socket errors, other non-2xx, recur verify or RSS growth >= 10 %)" >&2
	exit 1
fi
echo "soak: passed"
