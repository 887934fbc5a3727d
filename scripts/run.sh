#!/bin/sh
# make run: start recur on SQLite with a demo tenant.
# The first run creates the database and the tenant and keeps the demo keys in
# DB.demo.json beside it (recur itself stores only their hashes), so later
# runs can print the same key again.
set -eu
bin=$1
db=$2
listen=$3
demo="$db.demo.json"
if [ ! -f "$db" ] || [ ! -f "$demo" ]; then
	"$bin" tenant create --name "Demo AS" --db "sqlite:$db" > "$demo.tmp"
	mv "$demo.tmp" "$demo"
fi
key=$(sed -n 's/.*"secret_key":"\([^"]*\)".*/\1/p' "$demo")
cat <<MSG

  recur is starting on http://$listen  (database: $db)

  Demo tenant secret key (test mode):  $key

  Try it:
    curl -s http://$listen/v1/customers -u $key: -d name="Kari Nordmann" -d email=kari@example.no
    curl -s http://$listen/v1/customers -u $key:

  Stop with Ctrl-C.

MSG
exec "$bin" serve --db "sqlite:$db" --listen "$listen"
