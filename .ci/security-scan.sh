#!/usr/bin/env bash
# The passive security scan (Tests/security/scan.py, standard-library Python): starts the built server on a free
# loopback port with a fresh data directory and crawls its public pages, public API and Open311 answers for missing
# security headers, cookies without flags, stack traces or version strings, password fields open to autocomplete
# and mixed content. Takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-.build/debug/onewindow}"

source .ci/serve-lib.sh
serve_onewindow "$binary" scan-admin-2025

python3 Tests/security/scan.py "http://127.0.0.1:$port"
