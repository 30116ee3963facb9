#!/usr/bin/env bash
# The generated month (python -m commands.generate_month, tests/stack/test_analytics_month.py,
# tests/browser/test_analytics_report_page.py) runs a private stack on a simulated clock:
# Debian's libfaketime, preloaded into its processes only. Installs it when missing and
# this user may; otherwise says how (those tests are then skipped).
set -euo pipefail
if ls /usr/lib/*/faketime/libfaketimeMT.so.1 >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[setup] installing libfaketime for the generated analytics month"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libfaketime >/dev/null
else
  echo "[setup] libfaketime is not installed: the generated analytics month cannot run and its tests will be skipped." >&2
  echo "        Install it with: sudo apt-get install libfaketime" >&2
fi
