#!/usr/bin/env bash
# The JSON API against its own OpenAPI document: the document must be valid OpenAPI 3.1, and Schemathesis
# (a real OpenAPI client and fuzzer) must find no server error, no undocumented status, no response that breaks
# the schema, no schema-violating request accepted, no schema-valid request refused (.ci/schemathesis.toml names the
# operations that also refuse valid shapes naming records that do not exist), and 405 with `Allow` for every method a
# path does not document.
# Starts the built server on a free loopback port.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-.build/debug/onewindow}"
python3 -c "import openapi_spec_validator, schemathesis" 2>/dev/null \
  || python3 -m pip install -q --root-user-action=ignore openapi-spec-validator schemathesis
python3 -c "import json; from openapi_spec_validator import validate; validate(json.load(open('Resources/openapi.json'))); print('openapi.json: valid OpenAPI', json.load(open('Resources/openapi.json'))['openapi'])"

source .ci/serve-lib.sh
serve_onewindow "$binary" contract-admin-2025

# The case API needs a Bearer token: one for the admin (created by the first start), so the fuzzer reaches past 401.
token="$(ONEWINDOW_DATA_DIR="$data" LOG_LEVEL=warning "$binary" create-token admin --name contract | sed -n 's/.*：\(ow_[A-Za-z0-9_-]*\).*/\1/p')"
[ -n "$token" ] || { echo "could not create an API token"; exit 1; }

schemathesis --config-file .ci/schemathesis.toml run "http://127.0.0.1:$port/api/v1/openapi.json" --url "http://127.0.0.1:$port/api/v1" \
  --header "Authorization: Bearer $token" \
  --checks all \
  --max-examples 80 --seed 20251129 --no-color
