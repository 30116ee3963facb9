#!/usr/bin/env bash
# Browser tests drive Debian's chromium through Playwright (no browser download).
# Installs chromium and CJK fonts when missing and this user may; otherwise says how.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "noto.*cjk"; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[setup] installing chromium and CJK fonts for the browser tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
else
  echo "[setup] chromium is not installed: browser tests will be skipped." >&2
  echo "        Install it with: sudo apt-get install chromium fonts-noto-cjk" >&2
fi
