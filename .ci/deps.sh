#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing and we
# may (root in CI). Elsewhere it only says what is missing.
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || need+=(postgresql postgresql-contrib)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ]; then
  echo "deps: installing ${need[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
else
  echo "deps: missing Debian packages: ${need[*]} (sudo apt-get install ${need[*]})" >&2
  exit 1
fi
