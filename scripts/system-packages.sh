#!/usr/bin/env bash
# The Debian packages the test suite needs: Chromium for the browser tests, fonts for WeasyPrint,
# poppler-utils to look at PDFs. Installed when missing and we are root; otherwise a clear failure.
set -euo pipefail
# "demo" asks only for what the demo site needs (gettext for the French catalogue, fonts for PDFs).
need=()
command -v msgfmt >/dev/null || need+=(gettext)
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || need+=(fonts-dejavu-core)
if [ "${1:-test}" != demo ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v pdftoppm >/dev/null || need+=(poppler-utils)
  command -v pg_isready >/dev/null || need+=(postgresql-client)
  command -v redis-cli >/dev/null || need+=(redis-tools)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing: ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "FAIL: missing system packages: ${need[*]} (sudo apt-get install ${need[*]})" >&2
  exit 1
fi
