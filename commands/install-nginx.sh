#!/usr/bin/env bash
# The cluster (`make run-cluster`, tests/stack/test_cluster.py) puts two Rasa servers and
# two action servers behind Debian's nginx. Installs it when missing and this user may;
# otherwise says how. Only the binary is used: the cluster runs its own nginx, with its
# configuration, pid file and logs under var/nginx/, never the system service.
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[setup] installing nginx for the cluster"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
else
  echo "[setup] nginx is not installed: make run-cluster cannot start and the cluster tests will be skipped." >&2
  echo "        Install it with: sudo apt-get install nginx" >&2
fi
