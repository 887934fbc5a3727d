# bench/lib.sh - shell functions shared by bench/run.sh and bench/soak.sh.
# Sourced, not run. The caller sets:
#   bin         the recur executable (absolute path)
#   dir         its temporary directory
#   server_log  where the server's stderr goes
#   server_threads  recur serve --threads (empty: the server's default)
# and gets key (the tenant's secret key), pid, port and url from the functions.

# bench_need - the tools every run needs, or exit 2.
bench_need() {
	case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
	if [ ! -x "$bin" ]; then
		echo "bench: no executable at $bin (run make build)" >&2
		exit 2
	fi
	for tool in wrk curl jq sqlite3 perl; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "bench: $tool is not installed (make deps)" >&2
			exit 2
		fi
	done
}

# bench_tenant DB - creates a tenant on DB (a sqlite: URL) and sets key.
bench_tenant() {
	"$bin" tenant create --name Bench --db "$1" >"$dir/tenant.json" 2>"$dir/tenant.log" || {
		cat "$dir/tenant.log" >&2
		exit 1
	}
	key=$(jq -r .secret_key "$dir/tenant.json")
	[ -n "$key" ] && [ "$key" != null ] ||
		{ echo "bench: no secret_key in $(cat "$dir/tenant.json")" >&2; exit 1; }
}

random_port() {
	echo $((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
}

port_free() {
	command -v ss >/dev/null 2>&1 || return 0
	[ -z "$(ss -Htln "sport = :$1" 2>/dev/null)" ]
}

# start_server DB - starts `recur serve` on DB on a free port of 127.0.0.1 and
# waits until it answers; retries on another port if it cannot listen.
start_server() {
	tries=0
	while [ $tries -lt 10 ]; do
		tries=$((tries + 1))
		port=$(random_port)
		port_free "$port" || continue
		if [ -n "$server_threads" ]; then
			"$bin" serve --db "$1" --listen "127.0.0.1:$port" --threads "$server_threads" \
				2>>"$server_log" &
		else
			"$bin" serve --db "$1" --listen "127.0.0.1:$port" 2>>"$server_log" &
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
			if [ "$code" = 401 ]; then
				url="http://127.0.0.1:$port"
				return 0
			fi
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

# stop_server - SIGTERM and wait.
stop_server() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=
	fi
}

# bench_batch NAME - runs the requests read from stdin, one "METHOD PATH [BODY]"
# per line (BODY form-encoded, without spaces), through one curl process over
# one kept-alive connection, and writes one line per response to $dir/NAME.out:
# the JSON body, a space, the status. Exits 1 if any status is not 2xx.
bench_batch() {
	awk -v url="$url" -v key="$key" '{
		if (NR > 1) print "next"
		printf "url = \"%s%s\"\nrequest = \"%s\"\nuser = \"%s:\"\nsilent\n", url, $2, $1, key
		printf "write-out = \" %%{http_code}\\n\"\n"
		if ($3 != "") printf "data = \"%s\"\n", $3
	}' >"$dir/$1.curl"
	curl -K "$dir/$1.curl" >"$dir/$1.out" || true
	bad=$(awk '$NF !~ /^2/' "$dir/$1.out" | head -n 3)
	if [ -n "$bad" ] || [ ! -s "$dir/$1.out" ]; then
		echo "bench: setup step $1 failed: $bad" >&2
		exit 1
	fi
}

# bench_ids NAME - the "id" of each response of bench_batch NAME, one a line.
bench_ids() {
	sed 's/ [0-9]*$//' "$dir/$1.out" | jq -r .id
}

# bench_pool N - a product, a monthly price of 10.00 USD and N customers, each
# with pm_card_visa attached as its invoice_settings.default_payment_method, so
# a subscription for any of them charges through the sandbox gateway. Writes
# the customers to $dir/customers.txt (one id a line) and sets price.
bench_pool() {
	echo "POST /v1/products name=Bench" | bench_batch product
	prod=$(bench_ids product)
	echo "POST /v1/prices product=$prod&currency=usd&unit_amount=1000&recurring[interval]=month" |
		bench_batch price
	price=$(bench_ids price)
	seq "$1" | awk '{ printf "POST /v1/customers email=pool%d%%40example.com&name=Pool\n", $1 }' |
		bench_batch pool
	bench_ids pool >"$dir/customers.txt"
	awk '{ printf "POST /v1/payment_methods/pm_card_visa/attach customer=%s\n", $1 }' \
		"$dir/customers.txt" | bench_batch attach
	bench_ids attach | paste -d' ' "$dir/customers.txt" - |
		awk '{ printf "POST /v1/customers/%s invoice_settings[default_payment_method]=%s\n", $1, $2 }' |
		bench_batch defaults
}

# bench_subscriptions N - N subscriptions to the pool's price, round robin over
# the pool's customers: each one invoices, finalizes and pays its first month.
bench_subscriptions() {
	seq "$1" | awk -v price="$price" 'NR == FNR { cus[n++] = $1; next }
		{ printf "POST /v1/subscriptions customer=%s&items[0][price]=%s\n", cus[($1 - 1) % n], price }' \
		"$dir/customers.txt" - | bench_batch subscriptions
}

# vmrss PID - the process's resident set in KiB (VmRSS from /proc).
vmrss() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# bench_commit HERE - the commit to print: BENCH_COMMIT, or HERE's HEAD (+dirty
# when src/ has changes that are not committed).
bench_commit() {
	c=${BENCH_COMMIT:-}
	if [ -z "$c" ]; then
		c=$(git -C "$1/.." rev-parse --short HEAD 2>/dev/null || echo '?')
		if [ -n "$(git -C "$1/.." status --porcelain -- src 2>/dev/null)" ]; then
			c="$c+dirty"
		fi
	fi
	echo "$c"
}
