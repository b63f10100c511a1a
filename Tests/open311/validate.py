#!/usr/bin/env python3
"""Open311 GeoReport v2 conformance of a running OneWindow server (DESIGN.md, Interfaces).

Usage: validate.py BASE_URL API_KEY   (BASE_URL like http://127.0.0.1:8080/open311/v2; the server holds requests)

(a) services.json, every service definition, requests.json and each requests/{id}.json are validated against the
    official GeoReport v2 JSON schemas in ../shared/data/open311-georeport-fixtures/schema-georeport-v2/ (their
    relative $refs resolved through a `referencing` registry; date-time and uri formats checked); discovery has no
    official schema and is checked field by field; errors must be the spec's error array.
(b) the public Python client `georeport` (PyPI, GeoReport v2 wrapper) lists services, fetches a definition, lists
    requests and fetches one request, in JSON and in XML.
Also: no name, phone or e-mail of the appellant appears in any answer (RULES.md, Identity and contact data).
Prints `N passed, N failed` and exits non-zero on any failure.
"""
import json
import pathlib
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT7

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMAS = ROOT.parent / "shared/data/open311-georeport-fixtures/schema-georeport-v2"
SCHEMA_BASE = "https://schemas.open311.invalid/georeport-v2/"
JURISDICTION = "421223000000"
SECRETS = ["张三丰", "13800138000", "0013-8000", "zhangsanfeng"]

passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what}")


def schema_validators():
    """One Draft 7 validator per schema file; `"$ref": "request.json"` resolves to the sibling file."""
    contents = {path.name: json.loads(path.read_text()) for path in SCHEMAS.glob("*.json") if path.name != "swagger.json"}
    registry = Registry().with_resources(
        (SCHEMA_BASE + name, DRAFT7.create_resource(schema)) for name, schema in contents.items()
    )
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    # Without these the formats would silently pass: make sure they are really checked.
    for fmt in ("date-time", "uri"):
        assert fmt in checker.checkers, f"format {fmt} is not checked (install rfc3339-validator, rfc3986-validator)"
    validators = {}
    for name, schema in contents.items():
        rooted = dict(schema, **{"$id": SCHEMA_BASE + name})
        validators[name] = jsonschema.Draft7Validator(rooted, registry=registry, format_checker=checker)
    return validators


def fetch(url, data=None):
    """(status, content type, body text) of a GET, or of a form POST when `data` is given."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=30) as response:
            return response.status, response.headers.get("Content-Type"), response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), error.read().decode("utf-8")


def get_json(base, path, validator=None):
    status, content_type, text = fetch(f"{base}/{path}")
    check(status == 200, f"GET {path}: status {status}")
    check(content_type == "application/json; charset=utf-8", f"GET {path}: content type {content_type}")
    for secret in SECRETS:
        check(secret not in text, f"GET {path} shows personal data {secret!r}")
    document = json.loads(text)
    if validator is not None:
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        for error in errors[:5]:
            print(f"  {path}: {list(error.absolute_path)}: {error.message}")
        check(not errors, f"GET {path} is valid against {validator.schema['$id'].rsplit('/', 1)[-1]}")
    return document


def get_xml(base, path, root):
    status, content_type, text = fetch(f"{base}/{path}")
    check(status == 200, f"GET {path}: status {status}")
    check(content_type == "text/xml; charset=utf-8", f"GET {path}: content type {content_type}")
    for secret in SECRETS:
        check(secret not in text, f"GET {path} shows personal data {secret!r}")
    element = ET.fromstring(text.encode("utf-8"))
    check(element.tag == root, f"GET {path}: root <{element.tag}>, expected <{root}>")
    return element


def check_error(base, path, status, data=None):
    got, content_type, text = fetch(f"{base}/{path}", data)
    check(got == status, f"{path}: status {got}, expected {status}")
    if path.split("?")[0].endswith(".xml"):
        element = ET.fromstring(text.encode("utf-8"))
        check(element.tag == "errors" and element.findtext("error/code") == str(status), f"{path}: XML error array {text!r}")
    else:
        errors = json.loads(text)
        check(isinstance(errors, list) and len(errors) == 1 and errors[0].get("code") == status
              and isinstance(errors[0].get("description"), str), f"{path}: error array {text!r}")


def validate_schemas(base, api_key):
    validators = schema_validators()

    discovery = get_json(base, "discovery.json")
    endpoint = (discovery.get("endpoints") or [{}])[0]
    check(all(isinstance(discovery.get(k), str) for k in ("changeset", "contact", "key_service")), "discovery fields")
    check(endpoint.get("specification") == "http://wiki.open311.org/GeoReport_v2", "discovery specification")
    check(endpoint.get("type") == "production" and endpoint.get("url", "").endswith("/open311/v2"), "discovery endpoint")
    check(sorted(endpoint.get("formats", [])) == ["application/json", "text/xml"], "discovery formats")
    get_xml(base, "discovery.xml", "discovery")

    services = get_json(base, "services.json", validators["services.json"])
    check(len(services) > 10, f"services: {len(services)}")
    for service in services:
        definition = get_json(base, f"services/{service['service_code']}.json", validators["service-definition.json"])
        check(definition["service_code"] == service["service_code"], f"definition of {service['service_code']}")
    get_xml(base, "services.xml", "services")
    get_xml(base, "services/0102.xml", "service_definition")

    requests_list = get_json(base, f"requests.json?jurisdiction_id={JURISDICTION}", validators["requests.json"])
    check(len(requests_list) >= 3, f"requests: {len(requests_list)}")
    for request in requests_list:
        one = get_json(base, f"requests/{request['service_request_id']}.json", validators["requests.json"])
        check(len(one) == 1 and validators["request.json"].is_valid(one[0]), f"request {request['service_request_id']}")
    get_xml(base, "requests.xml", "service_requests")
    masked = [r for r in requests_list if "138****8000" in (r.get("description") or "")]
    check(len(masked) == 1 and "张*丰" in masked[0]["description"] and "zh***@example.com" in masked[0]["description"],
          "the appellant's name, phone and e-mail are masked in the description")
    # A posted media_url is kept with the order but never republished (it may carry personal data).
    check(masked and masked[0].get("media_url") is None, "media_url is not republished")
    check(all(r.get("media_url") is None for r in requests_list), "no request publishes a media_url")

    check_error(base, "services/9999.json", 404)
    check_error(base, "services/9999.xml", 404)
    check_error(base, "requests/12345-20000101-00001.json", 404)
    check_error(base, "requests.json?start_date=yesterday", 400)
    form = {"api_key": api_key, "service_code": "0102", "description": "x"}
    check_error(base, "requests.json", 403, dict(form, api_key="ow_wrong"))
    check_error(base, "requests.xml", 403, {"service_code": "0102"})
    check_error(base, "requests.json", 400, dict(form, service_code="9999", lat="29.2", long="114.1"))
    for lat, long in (("91", "114.1"), ("29.2", "200"), ("abc", "114.1"), ("31.0", "114.1")):
        check_error(base, "requests.json", 400, dict(form, lat=lat, long=long))
    return requests_list


def run_client(base, requests_list):
    from georeport import GeoReport

    some = requests_list[0]["service_request_id"]
    for output_format in ("json", "xml"):
        client = GeoReport(base, jurisdiction=JURISDICTION, output_format=output_format)
        services = client.get_service_list()
        check(len(services) > 10 and services[0]["service_code"] == "0101", f"georeport {output_format}: services")
        definition = client.get_service_definition("0102")
        attributes = definition["attributes"]
        if output_format == "xml":
            attributes = attributes["attribute"]
        check([a["code"] for a in attributes] == ["subcategory", "appeal_type"], f"georeport {output_format}: definition")
        listed = client.get_service_requests(status="open", start_date="2000-01-01T00:00:00+08:00")
        if isinstance(listed, dict):
            listed = [listed]
        check(len(listed) == len(requests_list), f"georeport {output_format}: requests ({len(listed)})")
        by_id = client.get_service_requests(service_request_id=some)
        by_id = [by_id] if isinstance(by_id, dict) else by_id
        check([r["service_request_id"] for r in by_id] == [some], f"georeport {output_format}: requests by id")
        one = client.get_service_request(some)
        check(one["service_request_id"] == some and one["status"] == "open", f"georeport {output_format}: one request")
        check(one["service_code"] == requests_list[0]["service_code"], f"georeport {output_format}: service_code")


def main():
    base, api_key = sys.argv[1].rstrip("/"), sys.argv[2]
    requests_list = validate_schemas(base, api_key)
    run_client(base, requests_list)
    print(f"open311: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
