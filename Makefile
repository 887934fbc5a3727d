# Thin wrapper around CMake. The two commands a newcomer needs:
#   make run   - install what is missing, build, start recur on SQLite with a demo tenant
#   make test  - install what is missing, build, run every test (unit + API,
#                the API suite again on a throw-away PostgreSQL, then unit +
#                API again under ASan + UBSan)
BUILD   ?= build
DB      ?= recur.db
LISTEN  ?= 127.0.0.1:8080
# The sanitizer and fuzzing builds (docs/fuzzing.md) live beside $(BUILD).
ASAN_BUILD   ?= build-asan
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := fuzz_form fuzz_json_params fuzz_money fuzz_date fuzz_camt054 fuzz_csv
SANITIZE     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
DEBS    := $(shell sed -e 's/\#.*//' deps/debian.txt | tr -s ' \n' ' ')
# The shared reference files (camt.054 samples) sit beside the project.
export RECUR_SHARED ?= $(abspath $(CURDIR)/../shared)

.PHONY: all deps build test unit api api-pg crash crash-test lint run bench bench-billing bench-import soak coverage \
	clean test-asan test-valgrind fuzz

all: build

deps:
	@scripts/install-deps.sh $(DEBS)

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRECUR_WERROR=$(if $(CI),ON,OFF)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j2

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

lint:
	@scripts/lint.sh

unit: build
	cd $(BUILD) && ctest --output-on-failure

api: build node_modules/.package-lock.json
	RECUR_BIN=$(CURDIR)/$(BUILD)/recur node --test --test-concurrency=1 tests/api/

# The same API suite on PostgreSQL (docs/scaling.md): a throw-away server from
# Debian's packages on a temporary directory, one database per test file,
# stopped at the end even when a test fails.
api-pg: build node_modules/.package-lock.json
	@scripts/api-pg.sh $(BUILD)

# Crash safety (tests/crash/, docs/crash.md): the billing run SIGKILLed at
# random moments and restarted. make test runs the small one (5,000
# subscriptions, 5 kills); CRASH_SEED=n replays a run's kill delays.
crash: build node_modules/.package-lock.json
	RECUR_BIN=$(CURDIR)/$(BUILD)/recur node --test tests/crash/

crash-test: build node_modules/.package-lock.json
	CRASH_N=100000 CRASH_KILLS=30 RECUR_BIN=$(CURDIR)/$(BUILD)/recur node --test tests/crash/

test: lint unit api api-pg crash test-asan

# Every unit and API test again, built with AddressSanitizer, LeakSanitizer and
# UBSan; a report from any process (the server included) fails it.
$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRECUR_WERROR=$(if $(CI),ON,OFF) \
		-DCMAKE_C_FLAGS="$(SANITIZE)" -DCMAKE_EXE_LINKER_FLAGS="$(SANITIZE)"

test-asan: deps $(ASAN_BUILD)/CMakeCache.txt node_modules/.package-lock.json
	cmake --build $(ASAN_BUILD) -j2
	@scripts/test-asan.sh $(ASAN_BUILD)

# The unit tests under valgrind's memcheck (not part of make test: too slow).
test-valgrind: build
	@scripts/test-valgrind.sh $(BUILD)

# libFuzzer targets (clang), each run for FUZZ_SECONDS: make fuzz FUZZ_SECONDS=600
$(FUZZ_BUILD)/CMakeCache.txt:
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRECUR_FUZZ=ON

fuzz: deps $(FUZZ_BUILD)/CMakeCache.txt
	cmake --build $(FUZZ_BUILD) -j2 --target $(FUZZ_TARGETS)
	@scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

run: build
	@scripts/run.sh $(BUILD)/recur $(DB) $(LISTEN)

bench: build
	@bench/run.sh $(BUILD)/recur
	@sh bench/billing.sh $(BUILD)
	@sh bench/import.sh $(BUILD)/recur

# CSV imports alone (BENCH_IMPORT_N="1000000" for the issue's size).
bench-import: build
	@sh bench/import.sh $(BUILD)/recur

# 5 minutes of mixed reads and writes at 64 connections (SOAK_SECONDS=60 for less):
# fails on any 5xx, socket error or RSS growth of 10 % or more.
soak: build
	@sh bench/soak.sh $(BUILD)/recur

# The billing run alone (BENCH_BILLING_N="10000" for a quick one).
bench-billing: build
	@sh bench/billing.sh $(BUILD)

# Line coverage of the unit tests, per layer; the billing core must stay >= 95 %.
coverage: deps
	cmake -S . -B build-cov -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="--coverage"
	cmake --build build-cov -j2
	lcov --quiet --zerocounters --directory build-cov
	cd build-cov && ctest --output-on-failure
	@# lcov 1.16's perl warns about redefined subroutines on every run: noise
	lcov --quiet --capture --directory build-cov --output-file build-cov/all.info 2>&1 | grep -v 'redefined at' || true
	@for layer in core billing store; do \
		lcov --quiet --extract build-cov/all.info "*/src/$$layer/*" --output-file build-cov/$$layer.info; \
		printf '%-8s ' $$layer; lcov --summary build-cov/$$layer.info 2>&1 | grep 'lines'; \
	done

clean:
	rm -rf $(BUILD) build-cov $(ASAN_BUILD) $(FUZZ_BUILD)

# Three recur serve processes on one throw-away PostgreSQL (tests/multi/,
# docs/scaling.md): a test clock over MULTI_N (20,000) subscriptions under API
# load, then wall-clock renewals with one process SIGKILLed MULTI_KILLS times.
# Not part of make test: it takes minutes.
multi-pg: build node_modules/.package-lock.json
	RECUR_BIN=$(CURDIR)/$(BUILD)/recur node --test tests/multi/
