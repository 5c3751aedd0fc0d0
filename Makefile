# kefu: `make run` serves the site, `make test` runs every test.
# With no DATABASE_URL both start a private PostgreSQL under var/pg (see .ci/pg.sh).
SHELL := /bin/bash
.DEFAULT_GOAL := run
CARGO ?= cargo

.PHONY: run test test-browser bench db db-stop build fmt lint schema ci clean-db

## Serve the site with the handbook and demo data (private database unless DATABASE_URL is set).
run:
	@set -e; \
	if [ -z "$$DATABASE_URL" ]; then DATABASE_URL=$$(.ci/pg.sh start); export DATABASE_URL; fi; \
	if [ -z "$$SESSION_KEY" ]; then \
	  mkdir -p var; [ -s var/session.key ] || od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > var/session.key; \
	  SESSION_KEY=$$(cat var/session.key); export SESSION_KEY; \
	fi; \
	if [ -z "$$KEFU_DATA_KEY" ]; then \
	  mkdir -p var; [ -s var/data.key ] || od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > var/data.key; \
	  KEFU_DATA_KEY=$$(cat var/data.key); export KEFU_DATA_KEY; \
	fi; \
	$(CARGO) build --quiet; \
	./target/debug/kefu migrate >/dev/null; \
	./target/debug/kefu seed-demo; \
	exec ./target/debug/kefu serve

## Run every test: Rust unit and integration tests against real PostgreSQL, then
## the browser quality gate in Debian's Chromium (artefacts in target/browser/).
## With the `bench` feature, for the smoke test of its reference endpoints; the
## gate runs the binary that build made (a build without it recompiles the crate).
test:
	@set -e; \
	.ci/deps.sh; \
	if [ -z "$$DATABASE_URL" ]; then DATABASE_URL=$$(.ci/pg.sh start); export DATABASE_URL; fi; \
	$(CARGO) test --all-targets --features bench --no-fail-fast; \
	cd tests/browser && node --test --test-concurrency=1

## Only the browser quality gate.
test-browser:
	@set -e; \
	.ci/deps.sh; \
	if [ -z "$$DATABASE_URL" ]; then DATABASE_URL=$$(.ci/pg.sh start); export DATABASE_URL; fi; \
	$(CARGO) build --quiet; \
	cd tests/browser && node --test --test-concurrency=1

## Benchmark against the budget of bench/README.md: release build, its own
## PostgreSQL, wrk; prints the table and writes bench/RESULTS.md. BENCH_SECONDS=10.
bench:
	@bench/run.sh

## Start the private database and print its URL.
db:
	@.ci/pg.sh start

## Stop the private database.
db-stop:
	@.ci/pg.sh stop

build:
	$(CARGO) build --release

fmt:
	$(CARGO) fmt

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets --features bench -- -D warnings

## Regenerate src/schema.rs from the migrations (needs diesel_cli).
schema:
	@set -e; \
	if [ -z "$$DATABASE_URL" ]; then DATABASE_URL=$$(.ci/pg.sh start); export DATABASE_URL; fi; \
	diesel migration run && diesel print-schema > src/schema.rs

ci:
	bash .ci/run
