#!/usr/bin/env bash
# Open311 GeoReport v2 against the official JSON schemas and a real public Python client (georeport on PyPI):
# starts the built server on a free loopback port with a fresh data directory, creates an API token with the
# hotline:write scope, files a few requests through POST /open311/v2/requests.json, then runs
# Tests/open311/validate.py (schemas from ../shared/data/open311-georeport-fixtures/schema-georeport-v2/).
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-.build/debug/onewindow}"
python3 -c "import jsonschema, referencing, rfc3339_validator, rfc3986_validator, georeport" 2>/dev/null \
  || python3 -m pip install -q --root-user-action=ignore "jsonschema>=4.18" rfc3339-validator rfc3986-validator "georeport==0.3.1"

source .ci/serve-lib.sh
serve_onewindow "$binary" open311-admin-2025

token="$(ONEWINDOW_DATA_DIR="$data" LOG_LEVEL=warning "$binary" create-token admin --name open311 --scopes hotline:write \
  | sed -n 's/.*：\(ow_[A-Za-z0-9_-]*\).*/\1/p')"
[ -n "$token" ] || { echo "could not create an API token"; exit 1; }

base="http://127.0.0.1:$port/open311/v2"
post() {
  local status
  status="$(curl -s -o "$data/post.json" -w '%{http_code}' "$base/requests.json" --data-urlencode "api_key=$token" "$@")"
  [ "$status" = 201 ] || { echo "POST requests.json answered $status: $(cat "$data/post.json")"; exit 1; }
  cat "$data/post.json"; echo
}
post --data-urlencode service_code=0102 --data-urlencode lat=29.2 --data-urlencode long=114.1 \
  --data-urlencode "description=张三丰反映：桃溪大道路灯不亮，电话 138-0013-8000，邮箱 zhangsanfeng@example.com" \
  --data-urlencode first_name=三丰 --data-urlencode last_name=张 --data-urlencode phone=13800138000 \
  --data-urlencode "attribute[subcategory]=010204" --data-urlencode "attribute[appeal_type]=complaint" \
  --data-urlencode media_url=https://img.example.cn/lamp.jpg
post --data-urlencode service_code=0101 --data-urlencode "address_string=天城镇沿河大道 12 号" \
  --data-urlencode "description=工地夜间施工无围挡，存在安全隐患" --data-urlencode "attribute[appeal_type]=report"
post --data-urlencode service_code=0102 --data-urlencode lat=29.25 --data-urlencode long=114.0 \
  --data-urlencode "description=小区门口下水道堵塞" --data-urlencode jurisdiction_id=421223000000

python3 Tests/open311/validate.py "$base" "$token"
