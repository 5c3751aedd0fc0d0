#!/usr/bin/env bash
# `make bench`: builds the release binary with the `bench` feature, starts a
# private PostgreSQL of its own (var/pg-bench, port BENCH_PG_PORT, default 54339:
# never a dev or test cluster), runs bench/run.py, and stops what it started.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
say() { echo "bench: $*" >&2; }

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    say "installing wrk (apt-get)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >&2
  else
    echo "wrk not found: sudo apt-get install wrk" >&2; exit 1
  fi
fi
command -v python3 >/dev/null 2>&1 || { echo "python3 not found: sudo apt-get install python3" >&2; exit 1; }

say "building target/release/kefu with the bench feature"
${CARGO:-cargo} build --release --features bench --quiet

export KEFU_PG_PORT=${BENCH_PG_PORT:-54339} KEFU_PG_NAME=pg-bench KEFU_PG_DB=postgres
# The cluster is ours from here on: stop it whatever happens (the driver stops
# the app it starts itself).
trap '.ci/pg.sh stop 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
URL=$(.ci/pg.sh start)
python3 bench/run.py "$URL"
