#!/bin/sh
# bench/run.sh BIN - HTTP throughput and latency of a real `recur serve` (make bench).
#
# Starts BIN on a fresh SQLite database in a temporary directory, creates a tenant
# and one customer, then drives it with wrk and prints one row per run:
#
#   baseline   GET /v1/customers without a key: the 401 is answered before any
#              query (only the worker's connection is opened, once per thread),
#              so this is the floor of libmicrohttpd + routing + JSON + logging,
#              measured in the same run as the numbers it is compared with.
#   get        GET /v1/customers/:id with the Bearer key (auth lookup + one SELECT).
#   post       POST /v1/customers, form body, no Idempotency-Key.
#   post_idem  the same with a fresh Idempotency-Key per request, as the SDKs send.
#
# Each at 1, 16 and 64 connections. wrk and the server share the machine's cores.
# The server's one-line-per-request log goes to a file in the temporary directory,
# not to a terminal. Everything is removed at the end (BENCH_KEEP=1 keeps it).
#
# Knobs (environment):
#   BENCH_DURATION=10s          per run
#   BENCH_CONNECTIONS="1 16 64"
#   BENCH_WRK_THREADS=1         wrk threads (one leaves the other core to the server;
#                               one wrk thread drives ~45,000 req/s here)
#   BENCH_SERVER_THREADS=       recur serve --threads (empty: the server's default)
#   BENCH_ONLY="baseline get post post_idem"
#   BENCH_SERVER_LOG=FILE       where the server's stderr goes (default: server.log in
#                               the temporary directory; /dev/null to measure logging)
#   BENCH_KEEP=1                keep the temporary directory (db, server.log, wrk output)
#   BENCH_COMMIT=...            what to print as the commit (default: this checkout's HEAD)
#   BENCH_PERF=DIR              record a perf profile of the server during each run
#                               into DIR (numbers are then slowed by perf; for
#                               finding hot spots, not for docs/benchmarks.md)
#
# Exit status 1 when an authenticated run got any non-2xx response or socket error.
set -eu

bin=${1:-build/recur}
here=$(cd "$(dirname "$0")" && pwd)
duration=${BENCH_DURATION:-10s}
connections=${BENCH_CONNECTIONS:-1 16 64}
wrk_threads=${BENCH_WRK_THREADS:-1}
server_threads=${BENCH_SERVER_THREADS:-}
only=${BENCH_ONLY:-baseline get post post_idem}
perf_dir=${BENCH_PERF:-}

case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
if [ ! -x "$bin" ]; then
	echo "bench: no executable at $bin (run make build)" >&2
	exit 2
fi
if ! command -v wrk >/dev/null 2>&1; then
	echo "bench: wrk is not installed (make deps)" >&2
	exit 2
fi
if ! command -v curl >/dev/null 2>&1; then
	echo "bench: curl is not installed" >&2
	exit 2
fi
if [ -n "$perf_dir" ]; then
	mkdir -p "$perf_dir"
	perf_dir=$(cd "$perf_dir" && pwd)
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/recur-bench.XXXXXX")
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
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
"$bin" tenant create --name Bench --db "$db" >"$dir/tenant.json" 2>"$dir/tenant.log" || {
	cat "$dir/tenant.log" >&2
	exit 1
}
key=$(sed -n 's/.*"secret_key":"\([^"]*\)".*/\1/p' "$dir/tenant.json")
[ -n "$key" ] || { echo "bench: no secret_key in $(cat "$dir/tenant.json")" >&2; exit 1; }

random_port() {
	echo $((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
}

port_free() {
	command -v ss >/dev/null 2>&1 || return 0
	[ -z "$(ss -Htln "sport = :$1" 2>/dev/null)" ]
}

# Starts the server on a free port; retries on another port if it cannot listen.
start_server() {
	tries=0
	while [ $tries -lt 10 ]; do
		tries=$((tries + 1))
		port=$(random_port)
		port_free "$port" || continue
		if [ -n "$server_threads" ]; then
			"$bin" serve --db "$db" --listen "127.0.0.1:$port" --threads "$server_threads" \
				2>"$server_log" &
		else
			"$bin" serve --db "$db" --listen "127.0.0.1:$port" 2>"$server_log" &
		fi
		pid=$!
		i=0
		while [ $i -lt 100 ]; do
			if ! kill -0 "$pid" 2>/dev/null; then
				wait "$pid" 2>/dev/null || true
				pid=
				break
			fi
			code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/customers" || true)
			[ "$code" = 401 ] && return 0
			sleep 0.1
			i=$((i + 1))
		done
		if [ -n "$pid" ]; then
			echo "bench: server did not answer on port $port" >&2
			cat "$server_log" >&2
			exit 1
		fi
	done
	echo "bench: could not start the server:" >&2
	cat "$server_log" >&2
	exit 1
}

start_server
url="http://127.0.0.1:$port"

# The customer the GET runs read; the rendered object's first field is its id.
curl -s -o "$dir/customer.json" -u "$key:" --data-urlencode email=bench@example.com \
	-d name=Bench "$url/v1/customers" || true
cus=$(sed -n 's/^{"id":"\(cus_[A-Za-z0-9]*\)".*/\1/p' "$dir/customer.json")
[ -n "$cus" ] || { echo "bench: could not create the customer: $(cat "$dir/customer.json")" >&2; exit 1; }
code=$(curl -s -o "$dir/get.json" -w '%{http_code}' -H "Authorization: Bearer $key" \
	"$url/v1/customers/$cus")
[ "$code" = 200 ] || { echo "bench: GET /v1/customers/$cus -> $code: $(cat "$dir/get.json")" >&2; exit 1; }

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
commit=${BENCH_COMMIT:-}
if [ -z "$commit" ]; then
	commit=$(git -C "$here/.." rev-parse --short HEAD 2>/dev/null || echo '?')
	if [ -n "$(git -C "$here/.." status --porcelain -- src 2>/dev/null)" ]; then
		commit="$commit+dirty"
	fi
fi
echo "recur bench: $(date -u +%Y-%m-%dT%H:%MZ), commit $commit, $(nproc) cores ($cpu), $(uname -sr)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews every number)"
echo "wrk: ${wrk_threads} thread(s) (at most one per connection), $duration per run;" \
	"server: ${server_threads:-default} threads, log to ${BENCH_SERVER_LOG:-a file}"
[ -n "$perf_dir" ] && echo "PROFILING with perf into $perf_dir: the numbers below are slowed by perf"
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
		*) echo "bench: unknown run '$what'" >&2; exit 2 ;;
		esac
	done
done

echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server log: $(wc -l <"$server_log") lines; database: $(du -k "$dir/bench.db" | cut -f1) KiB" \
	"+ WAL $(du -k "$dir/bench.db-wal" 2>/dev/null | cut -f1 || echo 0) KiB"
if [ "$failed" = 1 ]; then
	echo "bench: FAILED - an authenticated run got non-2xx responses or socket errors;" \
		"statuses in the server log:" >&2
	awk '$3 ~ /^(GET|POST)$/ && $5 !~ /^2/ { print $3, $5 }' "$server_log" | sort | uniq -c >&2
	exit 1
fi
