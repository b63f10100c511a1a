# Sourced by the .ci scripts that test a running server (api-contract, open311, security-scan, metrics).
# serve_onewindow BINARY ADMIN_PASSWORD: starts BINARY on a free loopback port with a fresh data directory, waits
# for /health (60 s at most), and sets `data`, `port` and `server`; the server and its data go when the script exits.
serve_onewindow() {
  local binary="$1" password="$2"
  data="$(mktemp -d)"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  ONEWINDOW_DATA_DIR="$data" ONEWINDOW_ADMIN_PASSWORD="$password" LOG_LEVEL=warning \
    "$binary" serve --hostname 127.0.0.1 --port "$port" >"$data/server.log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data"' EXIT
  for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && return 0; sleep 0.5; done
  echo "the server did not answer /health within 60 s; its log:" >&2
  cat "$data/server.log" >&2
  return 1
}
