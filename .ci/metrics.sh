#!/usr/bin/env bash
# /metrics in Prometheus text format, read by a real parser (prometheus_client on PyPI): starts the built server on a
# free loopback port with a fresh data directory, scrapes /metrics (allowed from loopback), issues one ticket through
# the kiosk API, scrapes again and fails unless the hall's waiting gauge for that category moved by exactly one.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-.build/debug/onewindow}"
python3 -c "import prometheus_client" 2>/dev/null \
  || python3 -m pip install -q --root-user-action=ignore "prometheus_client>=0.20"

source .ci/serve-lib.sh
serve_onewindow "$binary" metrics-admin-2025

python3 - "http://127.0.0.1:$port" <<'PY'
import json, sys, urllib.request
from prometheus_client.parser import text_string_to_metric_families

base = sys.argv[1]
hall, category = "CY-ZX", "A"

def scrape():
    with urllib.request.urlopen(base + "/metrics", timeout=10) as response:
        assert response.headers.get("Content-Type", "").startswith("text/plain"), response.headers.get("Content-Type")
        families = {f.name: f for f in text_string_to_metric_families(response.read().decode("utf-8"))}
    for name in ("onewindow_queue_waiting", "onewindow_outbox_backlog", "onewindow_outbox_failed",
                 "onewindow_cases_due_today", "onewindow_cases_overdue", "onewindow_work_orders_awaiting_sign"):
        assert name in families, f"{name} missing from /metrics"
    waiting = [s.value for s in families["onewindow_queue_waiting"].samples
               if s.labels.get("hall") == hall and s.labels.get("category") == category]
    assert len(waiting) == 1, f"expected one waiting sample for {hall}/{category}, got {waiting}"
    return waiting[0], families

before, _ = scrape()
request = urllib.request.Request(base + f"/api/v1/halls/{hall}/tickets", data=json.dumps({"category": category}).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
with urllib.request.urlopen(request, timeout=10) as response:
    assert response.status == 201, response.status
    number = json.load(response)["number"]
after, families = scrape()
assert after - before == 1, f"queue gauge moved from {before} to {after}, expected exactly +1"
requests = [s for s in families["http_requests"].samples
            if s.name == "http_requests_total" and s.labels.get("path") == "/api/v1/halls/:hall/tickets"]
assert requests and requests[0].value == 1, f"ticket requests by route pattern: {requests}"
print(f"metrics: ticket {number} issued, onewindow_queue_waiting{{hall={hall},category={category}}} {before:g} -> {after:g}")
PY
