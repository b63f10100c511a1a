#!/usr/bin/env bash
# The house's structure, checked on every CI run (ARCHITECTURE.md):
# - the module graph: Platform names no module, no cycles, each migration writes only its own module's tables;
# - routes: every route registers from SiteRoute, no path string literal outside Platform/SiteRoute*.swift;
# - no file in Sources/ over 300 lines, the composition root under 80;
# - `swift format lint` over the committed .swift-format, with no finding.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0

python3 .ci/module-graph.py || status=1
python3 .ci/routes.py || status=1

long=$(find Sources -name '*.swift' -print0 | xargs -0 wc -l | awk '$2 != "total" && $1 > 300 { print "  " $2 ": " $1 " lines" }')
if [ -n "$long" ]; then
    echo "FAIL files over 300 lines:"; echo "$long"; status=1
else
    echo "file sizes: every file in Sources/ is at most 300 lines"
fi
configure=$(wc -l < Sources/OneWindowServer/App/Configure.swift)
if [ "$configure" -ge 80 ]; then echo "FAIL App/Configure.swift has $configure lines (under 80)"; status=1; fi

if lint=$(swift format lint --strict --recursive Sources Tests Package.swift 2>&1) && [ -z "$lint" ]; then
    echo "swift format lint: clean"
else
    echo "$lint" | head -40
    echo "FAIL swift format lint: $(echo "$lint" | grep -c 'warning\|error') finding(s); run 'make format'"
    status=1
fi
exit $status
