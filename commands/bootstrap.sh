#!/usr/bin/env bash
# Creates (or re-uses) the Python 3.10 virtual environment and the web-chat bundle.
# Re-runs an install step only when its input file changed, so a second start is quick.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMPS=var/stamps
mkdir -p "$STAMPS"

find_python310() {
  if command -v python3.10 >/dev/null 2>&1 && python3.10 -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    command -v python3.10; return
  fi
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python; do
    if [ -x "$candidate" ]; then echo "$candidate"; return; fi
  done
  return 1
}

stamp_matches() { [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }

if [ ! -x "$VENV/bin/python" ]; then
  if ! PYTHON=$(find_python310); then
    cat >&2 <<'MSG'
ERROR: Python 3.10 was not found.
Rasa 3.6 runs on Python 3.8-3.10 only. Install Python 3.10 so that `python3.10` is on
PATH (Debian/Ubuntu: apt install python3.10 python3.10-venv) or with pyenv
(pyenv install 3.10.13), then run this command again.
MSG
    exit 1
  fi
  echo "[setup] creating virtual environment with $PYTHON"
  "$PYTHON" -m venv "$VENV"
fi

req_hash=$(sha256sum requirements.txt | cut -c1-16)
if ! stamp_matches requirements "$req_hash"; then
  echo "[setup] installing Python packages (first time: about 3-4 minutes)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check pip==23.3.2 wheel==0.45.1
  "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar on -r requirements.txt \
    2>&1 | grep --line-buffered -vE "^(WARNING: Location|  DEPRECATION|DEPRECATION|Requirement already satisfied)" || true
  "$VENV/bin/python" -m pip check >/dev/null 2>&1 || "$VENV/bin/python" -m pip check
  echo "$req_hash" > "$STAMPS/requirements"
fi

# The web chat widget: one UMD file from the npm registry, checked against a pinned hash.
WEBCHAT_VERSION=1.0.1
WEBCHAT_SHA256=cd2a8ee5211df95c626fc78bcf9d7d3a50368eacd43c7154476d29e519d42685
WEBCHAT_JS=var/web/webchat-$WEBCHAT_VERSION.js
if [ ! -f "$WEBCHAT_JS" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "ERROR: npm (Node.js) is needed once to fetch the web chat widget; install nodejs and npm." >&2
    exit 1
  fi
  echo "[setup] fetching the web chat widget rasa-webchat@$WEBCHAT_VERSION from npm"
  mkdir -p var/web
  tarball=$(cd var/web && npm pack "rasa-webchat@$WEBCHAT_VERSION" --silent)
  echo "$WEBCHAT_SHA256  var/web/$tarball" | sha256sum --check --quiet
  tar -xzOf "var/web/$tarball" package/lib/index.js > "$WEBCHAT_JS.tmp"
  mv "$WEBCHAT_JS.tmp" "$WEBCHAT_JS"
  rm "var/web/$tarball"
fi
