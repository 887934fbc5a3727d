#!/bin/sh
# bench/webhooks.sh RECUR_BIN - webhook deliveries per second to a loopback
# receiver, and GET latency while they go out (docs/benchmarks.md, "Webhook
# delivery").
#
# Makes a fresh SQLite database with a tenant, a customer and one endpoint
# ("*") pointing at bench/webhook_receiver.js; stops the server and queues
# BENCH_WEBHOOKS_N copies of the customer.created event, each with its pending
# delivery (the rows svc_event writes, cloned in SQL so that writing them is
# not measured); starts the server again and measures, from the first request
# the receiver sees to the N-th, how fast the delivery worker drains the
# queue (claim, load the event, sign, POST, record each attempt). Meanwhile
# wrk GETs the customer on BENCH_WEBHOOKS_CONNECTIONS connections, so the
# latency the API keeps under delivery load is printed beside a run of the
# same wrk without deliveries (the baseline, measured first).
#
# Knobs: BENCH_WEBHOOKS_N (default 50000), BENCH_WEBHOOKS_CONNECTIONS (4),
# BENCH_WEBHOOKS_WRK_SECONDS (5), BENCH_WEBHOOKS_PERF=FILE (a 3 s perf profile of
# the server while it delivers).
set -eu

bin=${1:-build/recur}
n=${BENCH_WEBHOOKS_N:-50000}
conns=${BENCH_WEBHOOKS_CONNECTIONS:-4}
secs=${BENCH_WEBHOOKS_WRK_SECONDS:-5}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/recur-bench-wh.XXXXXX")
server_log=$dir/serve.log
server_threads=
pid=
rpid=
. "$here/lib.sh"
bench_need
command -v node >/dev/null 2>&1 || { echo "bench: node is not installed" >&2; exit 2; }
cleanup() {
	stop_server
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

db="sqlite:$dir/recur.db"
export RECUR_WEBHOOKS_ALLOW_PRIVATE=1
"$bin" migrate --db "$db" >/dev/null
bench_tenant "$db"
start_server "$db"
cus=$(curl -sf -u "$key:" "$url/v1/customers" -d name=Bench | jq -r .id)

rport=$(random_port)
node "$here/webhook_receiver.js" "$rport" "$n" >"$dir/receiver.out" &
rpid=$!
until grep -q listening "$dir/receiver.out" 2>/dev/null; do sleep 0.05; done
curl -sf -u "$key:" "$url/v1/webhook_endpoints" -d "url=http://127.0.0.1:$rport/hook" \
	-d 'enabled_events[]=*' >/dev/null

echo "baseline: GET /v1/customers/:id, $conns connections, no deliveries"
wrk -t1 -c"$conns" -d"${secs}s" --latency -H "Authorization: Bearer $key" \
	"$url/v1/customers/$cus" | grep -E "Latency|50%|99%|Requests/sec"
stop_server

# N copies of the event and their deliveries, as svc_event writes them.
sqlite3 "$dir/recur.db" <<SQL
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $n)
INSERT INTO events (tenant_id, livemode, id, created, type, api_version, data, request,
                    pending_webhooks)
SELECT e.tenant_id, e.livemode, 'evt_bench' || k.i, e.created, e.type, e.api_version, e.data,
       e.request, 1
FROM k, (SELECT * FROM events WHERE type = 'customer.created' LIMIT 1) e;
INSERT INTO webhook_deliveries (tenant_id, livemode, endpoint, event, status, attempts,
                                next_attempt_at, created, updated)
SELECT e.tenant_id, e.livemode, w.id, e.id, 'pending', 0, 0, e.created, e.created
FROM events e, webhook_endpoints w WHERE e.id LIKE 'evt_bench%';
SQL

start_server "$db"
if [ -n "${BENCH_WEBHOOKS_PERF:-}" ]; then
	perf record -g -p "$pid" -o "$BENCH_WEBHOOKS_PERF" -- sleep 3 >/dev/null 2>&1 &
fi
echo "during delivery of $n events: GET /v1/customers/:id, $conns connections"
wrk -t1 -c"$conns" -d"${secs}s" --latency -H "Authorization: Bearer $key" \
	"$url/v1/customers/$cus" | grep -E "Latency|50%|99%|Requests/sec"
i=0
until grep -q first_ms "$dir/receiver.out"; do
	sleep 0.2
	i=$((i + 1))
	[ $i -lt 1500 ] || { echo "bench: deliveries did not finish" >&2; exit 1; }
done
until [ "$(sqlite3 "$dir/recur.db" "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")" = 0 ]; do
	sleep 0.1
done
grep first_ms "$dir/receiver.out" | jq -r '"delivered \(.n) in \(.last_ms - .first_ms) ms: \((.n * 1000 / (.last_ms - .first_ms)) | floor)/s"'
sqlite3 "$dir/recur.db" "SELECT status, count(*) FROM webhook_deliveries GROUP BY status;
SELECT 'attempts recorded', count(*) FROM webhook_attempts;"
