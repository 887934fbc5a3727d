#!/bin/sh
# pg-server.sh start|stop|url DIR - a throw-away PostgreSQL server for the tests.
#
# start: initdb on DIR/data (C collation, UTF-8, trust authentication on
#        loopback only), a free port on 127.0.0.1, fsync off (the data dies with
#        the test run), started with pg_ctl; prints the admin URL, which is also
#        kept in DIR/url. The URL names the Unix socket in DIR (a round trip
#        costs less than over TCP; every statement is one); 127.0.0.1:PORT
#        answers too.
# stop:  stops the server and removes DIR.
# url:   prints the admin URL of a running server.
# initdb refuses to run as root, so as root the server runs as the unprivileged
# "postgres" user of Debian's postgresql package (DIR is handed to it).
set -eu
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|url DIR" >&2; exit 2; }
bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$bin/initdb" ] || { echo "pg-server: no initdb under /usr/lib/postgresql (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

free_port() {
	# Ask the kernel for a free port by binding port 0 (node is a test dependency).
	node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close();})"
}

case "$cmd" in
start)
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
	as_owner "$bin/initdb" -D "$dir/data" -U recur --auth=trust --locale=C --encoding=UTF8 \
		>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
	port=$(free_port)
	# Sockets only on loopback TCP and inside DIR (not /var/run/postgresql).
	as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
		start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
	echo "postgresql:///postgres?host=$(cd "$dir" && pwd)&port=$port&user=recur" | tee "$dir/url"
	;;
stop)
	if [ -d "$dir/data" ]; then
		as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	;;
url)
	cat "$dir/url"
	;;
*)
	echo "usage: $0 start|stop|url DIR" >&2
	exit 2
	;;
esac
