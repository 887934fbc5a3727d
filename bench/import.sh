#!/bin/sh
# bench/import.sh RECUR_BIN - CSV imports (make bench-import, docs/benchmarks.md).
#
# For each N: writes N customers and N subscriptions (one per customer, the
# customer named by external_id, the price by lookup_key, 1-5 seats, mixed
# monthly and yearly) as CSV files, then in a fresh SQLite database imports
# the customers, checks the subscriptions file (--dry-run) and imports it
# (commit), each with `recur import` as a user runs it: rows/s and peak RSS
# from /usr/bin/time. The baseline in the same run is the storage floor:
# sqlite3's own .import of the same subscriptions file into a plain table
# (no parsing of values, no checks, no indexes), and the schema floor: the
# least any import of these rows must do in recur's schema, in plain SQL on
# a copy of the database (each customer found by its external_id, one
# subscription and one item row written with their indexes, in one
# transaction; no validation, no events, no audit).
#
# Knobs: BENCH_IMPORT_N="10000 100000 1000000" (1,000,000 takes about 20
# minutes here), BENCH_IMPORT_DIR (default $TMPDIR or /tmp; ~1 GB at 1M).
set -eu

bin=${1:-build/recur}
sizes=${BENCH_IMPORT_N:-10000 100000}
dir=${BENCH_IMPORT_DIR:-${TMPDIR:-/tmp}}/recur-bench-import.$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT

# seconds and peak RSS (KiB) of a command, into $secs and $rss
timed() {
	/usr/bin/time -f '%e %M' -o "$dir/time" "$@" >"$dir/out" 2>"$dir/err" || {
		cat "$dir/err" >&2
		exit 1
	}
	read -r secs rss <"$dir/time"
}

rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }

printf '%-9s %-22s %10s %12s %10s\n' N step seconds rows/s "RSS MiB"
for n in $sizes; do
	db="$dir/bench-$n.db"
	rm -f "$db" "$db-wal" "$db-shm"
	tenant=$("$bin" tenant create --db "sqlite:$db" --name Bench | sed 's/.*"id":"\([^"]*\)".*/\1/')
	cat >"$dir/prices.csv" <<'CSV'
lookup_key,product,product_name,currency,unit_amount,interval
seat_monthly,prod_seat,Seat,nok,249.00,month
seat_yearly,prod_seat,Seat,nok,2490.00,year
CSV
	"$bin" import prices "$dir/prices.csv" --db "sqlite:$db" --tenant "$tenant" >/dev/null
	awk -v n="$n" 'BEGIN {
		print "external_id,name,email,currency"
		for (i = 1; i <= n; i++) printf "C%d,Customer %d,c%d@example.com,nok\n", i, i, i
	}' >"$dir/customers.csv"
	# Periods that began before today and renew after it: nothing is billed now.
	awk -v n="$n" -v now="$(date -u +%s)" 'BEGIN {
		print "external_id,customer,price,quantity,current_period_start,next_billing_date"
		for (i = 1; i <= n; i++) {
			yearly = (i % 10 == 0)
			start = now - 86400 * (1 + i % 20)
			end = start + 86400 * (yearly ? 365 : 30)
			printf "S%d,C%d,%s,%d,%s,%s\n", i, i, yearly ? "seat_yearly" : "seat_monthly",
				1 + i % 5, strftime("%Y-%m-%dT%H:%M:%SZ", start, 1),
				strftime("%Y-%m-%dT%H:%M:%SZ", end, 1)
		}
	}' >"$dir/subscriptions.csv"

	rm -f "$dir/floor.db"
	timed sqlite3 "$dir/floor.db" ".mode csv" ".import $dir/subscriptions.csv subs"
	printf '%-9s %-22s %10s %12s %10s\n' "$n" "floor (sqlite3 .import)" "$secs" \
		"$(rate "$n" "$secs")" "$((rss / 1024))"
	timed "$bin" import customers "$dir/customers.csv" --db "sqlite:$db" --tenant "$tenant" --no-events
	printf '%-9s %-22s %10s %12s %10s\n' "$n" "customers (commit)" "$secs" "$(rate "$n" "$secs")" "$((rss / 1024))"
	sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
	cp "$db" "$dir/schema.db"
	timed sqlite3 "$dir/schema.db" "ATTACH '$dir/floor.db' AS f; PRAGMA synchronous=FULL; BEGIN;
		INSERT INTO subscriptions (tenant_id, livemode, id, created, customer, status, currency,
			collection_method, billing_cycle_anchor, start_date, metadata, plan_interval,
			plan_interval_count, current_period_start, current_period_end, periods_billed, due_at,
			external_id)
		SELECT '$tenant', 0, 'sub_' || s.external_id, 0,
			(SELECT c.id FROM customers c WHERE c.tenant_id = '$tenant' AND c.livemode = 0
			 AND c.external_id = s.customer AND c.deleted = 0), 'active', 'nok',
			'charge_automatically', unixepoch(s.next_billing_date), unixepoch(s.current_period_start),
			'{}', 'month', 1, unixepoch(s.current_period_start), unixepoch(s.next_billing_date), 1,
			unixepoch(s.next_billing_date), s.external_id
		FROM f.subs s;
		INSERT INTO subscription_items (tenant_id, livemode, id, created, subscription, price, quantity)
		SELECT '$tenant', 0, 'si_' || s.external_id, 0, 'sub_' || s.external_id, s.price, s.quantity
		FROM f.subs s;
		COMMIT;"
	printf '%-9s %-22s %10s %12s %10s\n' "$n" "floor (schema, SQL)" "$secs" "$(rate "$n" "$secs")" "$((rss / 1024))"
	rm -f "$dir/schema.db" "$dir/schema.db-wal" "$dir/schema.db-shm"
	timed "$bin" import subscriptions "$dir/subscriptions.csv" --db "sqlite:$db" --tenant "$tenant" --dry-run
	printf '%-9s %-22s %10s %12s %10s\n' "$n" "subscriptions dry run" "$secs" "$(rate "$n" "$secs")" "$((rss / 1024))"
	timed "$bin" import subscriptions "$dir/subscriptions.csv" --db "sqlite:$db" --tenant "$tenant"
	printf '%-9s %-22s %10s %12s %10s\n' "$n" "subscriptions commit" "$secs" "$(rate "$n" "$secs")" "$((rss / 1024))"
	grep -q '"created_count": '"$n" "$dir/out" || { echo "bench: not every row imported" >&2; cat "$dir/out" >&2; exit 1; }
	rm -f "$db" "$db-wal" "$db-shm"
done
