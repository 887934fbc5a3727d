#!/bin/sh
# bench/run.sh BIN - HTTP throughput and latency of a real `recur serve` (make bench).
#
# Starts BIN on a fresh SQLite database in a temporary directory, creates a tenant,
# one customer and a pool of customers that can pay (bench/lib.sh: bench_pool),
# then drives it with wrk and prints one row per run:
#
#   baseline   GET /v1/customers without a key: the 401 is answered before any
#              query (only the worker's connection is opened, once per thread),
#              so this is the floor of libmicrohttpd + routing + JSON + logging,
#              measured in the same run as the numbers it is compared with.
#   get        GET /v1/customers/:id with the Bearer key (auth lookup + one SELECT).
#   list_invoices  GET /v1/invoices?limit=100 over the tenant's invoices: the
#              setup's BENCH_INVOICES (default 120) paid subscription invoices,
#              one line each, so every page is 100 full invoices.
#   post       POST /v1/customers, form body, no Idempotency-Key.
#   post_idem  the same with a fresh Idempotency-Key per request, as the SDKs send.
#   create_subscription  POST /v1/subscriptions for one of the pool's customers
#              (round robin): subscription, first invoice, finalization, charge
#              through the sandbox gateway, ledger, events (create_subscription.lua).
#   replay     POST /v1/subscriptions with an Idempotency-Key (and parameters)
#              already used: the stored response is replayed (replay.lua).
#
# Each at 1, 16 and 64 connections. wrk and the server share the machine's cores.
# Before the runs: the start-up time of `recur serve` (exec to the first accepted
# connection, bench/startup.pl) on an empty database, median of BENCH_STARTUP_RUNS;
# after them the same on the database the runs filled. The server's VmRSS is
# printed after start, after the setup and after the runs.
# The server's one-line-per-request log goes to a file in the temporary directory,
# not to a terminal. Everything is removed at the end (BENCH_KEEP=1 keeps it).
#
# Knobs (environment):
#   BENCH_DURATION=10s          per run
#   BENCH_CONNECTIONS="1 16 64"
#   BENCH_WRK_THREADS=1         wrk threads (one leaves the other core to the server;
#                               one wrk thread drives ~45,000 req/s here)
#   BENCH_SERVER_THREADS=       recur serve --threads (empty: the server's default)
#   BENCH_ONLY="baseline get list_invoices post post_idem create_subscription replay"
#   BENCH_POOL=256              customers with a card, for create_subscription
#   BENCH_INVOICES=120          subscriptions (so paid invoices) made in the setup
#   BENCH_STARTUP_RUNS=11       start-up measurements per database (0: none)
#   BENCH_SERVER_LOG=FILE       where the server's stderr goes (default: server.log in
#                               the temporary directory; /dev/null to measure logging)
#   BENCH_KEEP=1                keep the temporary directory (db, server.log, wrk output)
#   BENCH_COMMIT=...            what to print as the commit (default: this checkout's HEAD)
#   BENCH_PERF=DIR              record a perf profile of the server during each run
#                               into DIR (numbers are then slowed by perf; for
#                               finding hot spots, not for docs/benchmarks.md)
#
# Exit status 1 when an authenticated run got any non-2xx response or socket error,
# or when a replay created anything.
set -eu

bin=${1:-build/recur}
here=$(cd "$(dirname "$0")" && pwd)
duration=${BENCH_DURATION:-10s}
connections=${BENCH_CONNECTIONS:-1 16 64}
wrk_threads=${BENCH_WRK_THREADS:-1}
server_threads=${BENCH_SERVER_THREADS:-}
only=${BENCH_ONLY:-baseline get list_invoices post post_idem create_subscription replay}
pool=${BENCH_POOL:-256}
invoices=${BENCH_INVOICES:-120}
startup_runs=${BENCH_STARTUP_RUNS:-11}
perf_dir=${BENCH_PERF:-}

# shellcheck source=lib.sh
. "$here/lib.sh"
bench_need
if [ -n "$perf_dir" ]; then
	mkdir -p "$perf_dir"
	perf_dir=$(cd "$perf_dir" && pwd)
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/recur-bench.XXXXXX")
pid=
cleanup() {
	stop_server
	if [ "${BENCH_KEEP:-}" = 1 ]; then
		echo "bench: kept $dir" >&2
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

db="sqlite:$dir/bench.db"
server_log=${BENCH_SERVER_LOG:-$dir/server.log}

# startup LABEL DB - median, min and max of startup_runs start-ups of `recur
# serve` on DB ("new" for a database file that does not exist yet: each run gets
# its own, so each creates the schema), and the VmRSS at the first connection.
startup() {
	[ "$startup_runs" -gt 0 ] || return 0
	: >"$dir/startup.txt"
	i=0
	while [ $i -lt "$startup_runs" ]; do
		i=$((i + 1))
		sdb=$2
		[ "$sdb" = new ] && sdb="sqlite:$dir/empty-$i.db"
		sport=$(random_port)
		port_free "$sport" || sport=$(random_port)
		perl "$here/startup.pl" "$sport" "$dir/startup.log" "$bin" serve --db "$sdb" \
			--listen "127.0.0.1:$sport" >>"$dir/startup.txt" || {
			cat "$dir/startup.log" >&2
			exit 1
		}
	done
	sort -n "$dir/startup.txt" | awk -v label="$1" '{ us[NR] = $1; rss[NR] = $2 }
		END { m = int((NR + 1) / 2)
		printf "start-up %-40s median %6.1f ms (min %.1f, max %.1f, %d runs), VmRSS %d KiB\n",
			label, us[m] / 1000, us[1] / 1000, us[NR] / 1000, NR, rss[m] }'
}

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
commit=$(bench_commit "$here")
echo "recur bench: $(date -u +%Y-%m-%dT%H:%MZ), commit $commit, $(nproc) cores ($cpu), $(uname -sr)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews every number)"
echo "wrk: ${wrk_threads} thread(s) (at most one per connection), $duration per run;" \
	"server: ${server_threads:-default} threads, log to ${BENCH_SERVER_LOG:-a file}"
[ -n "$perf_dir" ] && echo "PROFILING with perf into $perf_dir: the numbers below are slowed by perf"
echo

startup "(new database, schema created)" new

bench_tenant "$db"
start_server "$db"
sleep 1
rss_start=$(vmrss "$pid")

# The customer the GET runs read.
echo "POST /v1/customers email=bench%40example.com&name=Bench" | bench_batch customer
cus=$(bench_ids customer)
code=$(curl -s -o "$dir/get.json" -w '%{http_code}' -H "Authorization: Bearer $key" \
	"$url/v1/customers/$cus")
[ "$code" = 200 ] || { echo "bench: GET /v1/customers/$cus -> $code: $(cat "$dir/get.json")" >&2; exit 1; }

# The pool that create_subscription charges, the invoices list_invoices lists,
# and the request that replay repeats.
t0=$(date +%s%N)
bench_pool "$pool"
bench_subscriptions "$invoices"
replay_key="bench-replay-$$"
replay_body="customer=$(head -n 1 "$dir/customers.txt")&items%5B0%5D%5Bprice%5D=$price"
code=$(curl -s -o "$dir/replay.json" -w '%{http_code}' -H "Authorization: Bearer $key" \
	-H "Idempotency-Key: $replay_key" -d "$replay_body" "$url/v1/subscriptions")
[ "$code" = 200 ] || { echo "bench: the request to replay -> $code: $(cat "$dir/replay.json")" >&2; exit 1; }
t1=$(date +%s%N)
export BENCH_CUSTOMERS="$dir/customers.txt" BENCH_PRICE="$price"
export BENCH_REPLAY_KEY="$replay_key" BENCH_REPLAY_BODY="$replay_body"
rss_setup=$(vmrss "$pid")
echo "setup: $pool customers with pm_card_visa, $((invoices + 1)) subscriptions (paid invoices)" \
	"in $(((t1 - t0) / 1000000)) ms"
echo "server VmRSS: $rss_start KiB 1 s after start, $rss_setup KiB after the setup"
echo

printf '%-34s %5s %8s %8s %8s %8s %7s %6s %6s %7s %6s\n' endpoint conns 'req/s' 'p50 ms' \
	'p99 ms' 'max ms' non-2xx errors 'srv' 'srv us' 'box'
printf '%-34s %5s %8s %8s %8s %8s %7s %6s %6s %7s %6s\n' '' '' '' '' '' '' '' '' cores '/req' cores
failed=0

# CPU time (clock ticks) of the server process, and of the whole machine (all
# CPUs, busy = everything but idle and iowait): "srv cores" is how much of the
# machine the server used, "srv us/req" its CPU time per request (less sensitive
# to other load than req/s), "box cores" what everything together used.
hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
proc_ticks() {
	# fields after the ")" of /proc/PID/stat: utime is the 12th, stime the 13th
	sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }'
}
box_ticks() {
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# run NAME LABEL CONNS AUTH(0|1) PATH [LUA]
run() {
	name=$1 label=$2 c=$3 auth=$4 path=$5 lua=${6:-}
	t=$wrk_threads
	[ "$t" -gt "$c" ] && t=$c
	script="$dir/$name.lua"
	if [ -n "$lua" ]; then
		cat "$here/$lua" "$here/report.lua" >"$script"
	else
		cat "$here/report.lua" >"$script"
	fi
	out="$dir/wrk-$name-$c.txt"
	perf_pid=
	if [ -n "$perf_dir" ]; then
		perf record -q -e cpu-clock -F 999 --call-graph dwarf,16384 -p "$pid" \
			-o "$perf_dir/$name-c$c.data" >"$perf_dir/$name-c$c.log" 2>&1 &
		perf_pid=$!
		sleep 0.5
	fi
	srv0=$(proc_ticks); box0=$(box_ticks); t0=$(date +%s%N)
	if [ "$auth" = 1 ]; then
		BENCH_RUN="$$-$name-$c" wrk -t"$t" -c"$c" -d"$duration" --timeout 10s --latency \
			-s "$script" -H "Authorization: Bearer $key" "$url$path" >"$out" 2>&1 || true
	else
		BENCH_RUN="$$-$name-$c" wrk -t"$t" -c"$c" -d"$duration" --timeout 10s --latency \
			-s "$script" "$url$path" >"$out" 2>&1 || true
	fi
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "bench: the server died during $label at $c connections:" >&2
		tail -n 20 "$server_log" >&2
		pid=
		exit 1
	fi
	srv1=$(proc_ticks); box1=$(box_ticks); t1=$(date +%s%N)
	if [ -n "$perf_pid" ]; then
		kill -INT "$perf_pid" 2>/dev/null || true
		wait "$perf_pid" 2>/dev/null || true
	fi
	line=$(grep '^BENCH ' "$out" || true)
	if [ -z "$line" ]; then
		echo "bench: wrk failed for $label:" >&2
		cat "$out" >&2
		failed=1
		return 0
	fi
	# shellcheck disable=SC2086
	set -- $line
	echo "$c $2 $3 $4 $5 $6 $7 $8 $((srv1 - srv0)) $((box1 - box0)) $((t1 - t0))" |
		awk -v label="$label" -v hz="$hz" '{
		wall = $11 / 1e9
		printf "%-34s %5d %8.0f %8.3f %8.3f %8.2f %7d %6d %6.2f %7.0f %6.2f\n",
			label, $1, $2 / ($3 / 1e6), $4 / 1e3, $5 / 1e3, $6 / 1e3, $7, $8,
			$9 / hz / wall, $9 / hz * 1e6 / $2, $10 / hz / wall
	}'
	if [ "$auth" = 1 ] && { [ "$7" != 0 ] || [ "$8" != 0 ]; }; then
		failed=1
	fi
}

for what in $only; do
	for c in $connections; do
		case $what in
		baseline) run baseline "baseline GET /v1/customers (401)" "$c" 0 /v1/customers ;;
		get) run get "GET /v1/customers/:id" "$c" 1 "/v1/customers/$cus" ;;
		post) run post "POST /v1/customers" "$c" 1 /v1/customers post_customer.lua ;;
		post_idem) run post_idem "POST /v1/customers +Idem-Key" "$c" 1 /v1/customers \
			post_customer_idem.lua ;;
		list_invoices) run list_invoices "GET /v1/invoices?limit=100" "$c" 1 \
			"/v1/invoices?limit=100" ;;
		create_subscription) run create_subscription "POST /v1/subscriptions" "$c" 1 \
			/v1/subscriptions create_subscription.lua ;;
		replay)
			sleep 1 # the previous run's last requests finish
			subs0=$(sqlite3 "$dir/bench.db" 'SELECT count(*) FROM subscriptions')
			run replay "POST /v1/subscriptions replay" "$c" 1 /v1/subscriptions replay.lua
			subs1=$(sqlite3 "$dir/bench.db" 'SELECT count(*) FROM subscriptions')
			if [ "$subs0" != "$subs1" ]; then
				echo "bench: the replays created $((subs1 - subs0)) subscriptions" >&2
				failed=1
			fi
			;;
		*) echo "bench: unknown run '$what'" >&2; exit 2 ;;
		esac
	done
done

rss_end=$(vmrss "$pid")
stop_server

echo
echo "server VmRSS after the runs: $rss_end KiB (setup: $rss_setup KiB)"
echo "server log: $(wc -l <"$server_log") lines; database: $(du -k "$dir/bench.db" | cut -f1) KiB" \
	"(WAL checkpointed at stop);" \
	"$(sqlite3 "$dir/bench.db" "SELECT (SELECT count(*) FROM customers) || ' customers, ' ||
		(SELECT count(*) FROM subscriptions) || ' subscriptions, ' ||
		(SELECT count(*) FROM invoices) || ' invoices, ' || (SELECT count(*) FROM events) || ' events'")"
startup "(the database above)" "$db"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$failed" = 1 ]; then
	echo "bench: FAILED - an authenticated run got non-2xx responses or socket errors;" \
		"statuses in the server log:" >&2
	awk '$3 ~ /^(GET|POST)$/ && $5 !~ /^2/ { print $3, $5 }' "$server_log" | sort | uniq -c >&2
	exit 1
fi
