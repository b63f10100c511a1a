#!/usr/bin/env bash
# The passive security scan (Tests/security/scan.py, standard-library Python): starts the built server on a free
# loopback port with a fresh data directory and crawls its public pages, public API and Open311 answers for missing
# security headers, cookies without flags, stack traces or version strings, password fields open to autocomplete
# and mixed content. Takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-.build/debug/onewindow}"

data="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
ONEWINDOW_DATA_DIR="$data" ONEWINDOW_ADMIN_PASSWORD=scan-admin-2025 LOG_LEVEL=warning \
  "$binary" serve --hostname 127.0.0.1 --port "$port" >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done

python3 Tests/security/scan.py "http://127.0.0.1:$port"
