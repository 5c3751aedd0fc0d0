#!/usr/bin/env bash
# Installs what the test suite needs when it is missing: Debian packages (only as
# root, e.g. in CI; elsewhere it says what to install) and the browser tests' npm
# packages from their lock file.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || need+=(postgresql postgresql-contrib)
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto/NotoSansCJK* >/dev/null 2>&1 || need+=(fonts-noto-cjk)
command -v pdfinfo >/dev/null 2>&1 || need+=(poppler-utils)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || need+=(python3-aiosmtpd)
# The mail tests' relay certificates (tests/app/smtp.rs).
command -v openssl >/dev/null 2>&1 || need+=(openssl)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "deps: installing ${need[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
  else
    echo "deps: missing Debian packages: ${need[*]} (sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
fi

# npm packages of the browser tests, exactly as locked.
cd "$ROOT/tests/browser"
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.kefu-lock; then
  echo "deps: npm ci (tests/browser)" >&2
  npm ci --no-audit --no-fund --ignore-scripts >&2
  cp package-lock.json node_modules/.kefu-lock
fi
