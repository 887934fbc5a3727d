#!/bin/sh
# api-pg.sh BUILD - the API suite (tests/api) and the PostgreSQL unit tests on
# a throw-away PostgreSQL server (scripts/pg-server.sh), stopped at the end
# whatever the outcome (make api-pg; docs/scaling.md).
set -eu
build=$1
dir=$(mktemp -d "${TMPDIR:-/tmp}/recur-pg.XXXXXX")
trap 'scripts/pg-server.sh stop "$dir"' EXIT INT TERM
url=$(scripts/pg-server.sh start "$dir")
echo "api-pg: PostgreSQL at $url"
export RECUR_TEST_PG="$url"
# The driver's own tests and the store tests that run on both back ends.
(cd "$build" && ctest --output-on-failure -R '^store/')
RECUR_BIN="$(pwd)/$build/recur" node --test --test-concurrency=1 tests/api/
