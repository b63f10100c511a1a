#!/usr/bin/env python3
"""A passive security scan of OneWindow's public face, in the manner of ZAP's passive rules (standard library only).

Usage: scan.py BASE_URL   (e.g. http://127.0.0.1:8080)

Crawls every public page reachable from `/` through same-site links (<a href>, GET forms), then the public API
(every GET path without a path parameter in /api/v1/openapi.json, with and without the parameters it documents), the
Open311 GeoReport endpoints, and a few error paths. On every answer it checks:

  headers   a charset on every text, JSON or XML Content-Type; Content-Security-Policy (with frame-ancestors, without 'unsafe-inline'/'unsafe-eval'),
            X-Content-Type-Options: nosniff, X-Frame-Options DENY/SAMEORIGIN, Referrer-Policy, Permissions-Policy;
            no Server or X-Powered-By header naming a product or version; HSTS when the base URL is https
  cookies   every Set-Cookie is HttpOnly and has SameSite; Secure when the base URL is https
  bodies    no stack trace, source path or driver error (".swift:", "Fatal error", "Traceback", "PSQLError",
            "SQLITE_", "Abort.") and no version string ("Vapor/", "SwiftNIO", "Swift version")
  HTML      every <input type=password> has autocomplete current-password / new-password / off (never missing or
            "on"); no sub-resource (script, stylesheet, image, frame, form action) over plain http:// (mixed content)

Exits 1 listing every finding, 0 with a summary. Bounded: at most 400 pages (3 queries of one path), 8 s per request.
"""
import html.parser
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

MAX_PAGES = 400
HEADERS = {
    "content-security-policy": None,
    "x-content-type-options": "nosniff",
    "x-frame-options": ("DENY", "SAMEORIGIN"),
    "referrer-policy": None,
    "permissions-policy": None,
}
LEAKS = [
    re.compile(p)
    for p in (
        r"\.swift:\d+",
        r"Fatal error",
        r"Traceback \(most recent call last\)",
        r"PSQLError",
        r"SQLITE_[A-Z]+",
        r"\bAbort\.\d{3}",
        r"Vapor/\d",
        r"SwiftNIO",
        r"Swift version \d",
        r"/work/main/|/Users/\w+/|\.build/(debug|release)",
    )
]
GOOD_PASSWORD_AUTOCOMPLETE = {"current-password", "new-password", "off"}


class Page(html.parser.HTMLParser):
    """Links, GET forms, password inputs and sub-resource URLs of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.passwords, self.resources = [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form":
            if (a.get("method") or "get").lower() == "get" and a.get("action"):
                self.links.append(a["action"])
            if a.get("action"):
                self.resources.append(("form action", a["action"]))
        if tag == "input" and (a.get("type") or "").lower() == "password":
            self.passwords.append(a)
        for name, attr in (("script", "src"), ("img", "src"), ("iframe", "src"), ("link", "href")):
            if tag == name and a.get(attr) and (tag != "link" or "stylesheet" in (a.get("rel") or "")):
                self.resources.append((tag, a[attr]))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Scan:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.site = urllib.parse.urlsplit(self.base)
        self.https = self.site.scheme == "https"
        self.opener = urllib.request.build_opener(NoRedirect)
        self.findings, self.seen, self.answers = [], set(), 0

    def fetch(self, path, method="GET"):
        """(status, headers as a list of (lower name, value), body text) of one request, redirects not followed."""
        request = urllib.request.Request(self.base + path, method=method, headers={"Accept": "text/html"})
        try:
            response = self.opener.open(request, timeout=8)
        except urllib.error.HTTPError as error:
            response = error
        body = response.read().decode("utf-8", "replace")
        self.answers += 1
        return response.status, [(k.lower(), v) for k, v in response.headers.items()], body

    def flag(self, path, message):
        self.findings.append(f"{path}: {message}")

    def check_answer(self, path, headers, body):
        named = {}
        for name, value in headers:
            named.setdefault(name, value)
        for name, wanted in HEADERS.items():
            value = named.get(name)
            if value is None:
                self.flag(path, f"missing header {name}")
            elif isinstance(wanted, str) and value.strip().lower() != wanted:
                self.flag(path, f"{name}: {value!r}, expected {wanted!r}")
            elif isinstance(wanted, tuple) and value.strip().upper() not in wanted:
                self.flag(path, f"{name}: {value!r}, expected one of {wanted}")
        kind = named.get("content-type", "")
        if kind.startswith(("text/", "application/json", "application/xml")) and "charset=" not in kind.lower():
            self.flag(path, f"content-type {kind!r} without a charset")
        csp = named.get("content-security-policy", "")
        if csp and "frame-ancestors" not in csp:
            self.flag(path, "CSP without frame-ancestors")
        for unsafe in ("'unsafe-inline'", "'unsafe-eval'"):
            if unsafe in csp:
                self.flag(path, f"CSP allows {unsafe}")
        for name in ("server", "x-powered-by", "x-aspnet-version"):
            if name in named:
                self.flag(path, f"header {name}: {named[name]!r} names the software")
        if self.https and "strict-transport-security" not in named:
            self.flag(path, "missing Strict-Transport-Security over https")
        for name, value in headers:
            if name != "set-cookie":
                continue
            flags = [part.strip().lower() for part in value.split(";")[1:]]
            cookie = value.split("=", 1)[0]
            if "httponly" not in flags:
                self.flag(path, f"cookie {cookie} without HttpOnly")
            if not any(f.startswith("samesite=") for f in flags):
                self.flag(path, f"cookie {cookie} without SameSite")
            if self.https and "secure" not in flags:
                self.flag(path, f"cookie {cookie} without Secure over https")
        for pattern in LEAKS:
            match = pattern.search(body)
            if match:
                self.flag(path, f"body leaks {match.group(0)!r} (stack trace, source path or version)")

    def same_site_path(self, href, page_path):
        url = urllib.parse.urlsplit(urllib.parse.urljoin(self.base + page_path, href))
        if url.scheme not in ("http", "https") or url.netloc != self.site.netloc:
            return None
        return url.path + ("?" + url.query if url.query else "")

    def crawl(self):
        queue, variants = ["/"], {}
        while queue and len(self.seen) < MAX_PAGES:
            path = queue.pop(0)
            if path in self.seen:
                continue
            # The same page under many queries (a return address, a page number) is checked 3 times at most.
            bare = path.split("?", 1)[0]
            if variants.get(bare, 0) >= 3:
                continue
            variants[bare] = variants.get(bare, 0) + 1
            self.seen.add(path)
            status, headers, body = self.fetch(path)
            self.check_answer(path, headers, body)
            if status >= 500:
                self.flag(path, f"answered {status}")
            location = dict(headers).get("location")
            if status in (301, 302, 303, 307, 308) and location:
                target = self.same_site_path(location, path)
                if target and not target.startswith("/signin"):
                    queue.append(target)
            if "text/html" not in dict(headers).get("content-type", ""):
                continue
            page = Page()
            page.feed(body)
            for field in page.passwords:
                autocomplete = (field.get("autocomplete") or "").strip().lower()
                if autocomplete not in GOOD_PASSWORD_AUTOCOMPLETE:
                    self.flag(path, f"password field {field.get('name')!r} with autocomplete {autocomplete or 'missing'!r}")
            for kind, url in page.resources:
                if url.lower().startswith("http://"):
                    self.flag(path, f"mixed content: {kind} {url}")
            for href in page.links:
                target = self.same_site_path(href, path)
                # Sign-out and language/elder switches change state; public pages only (no sign-in here).
                if target and target not in self.seen and not target.startswith(("/signout", "/signin?")):
                    queue.append(target)

    def api(self):
        status, _, body = self.fetch("/api/v1/openapi.json")
        document = json.loads(body) if status == 200 else {"paths": {}}
        paths = []
        for template, operations in document.get("paths", {}).items():
            if "{" in template or "get" not in operations:
                continue
            path = "/api/v1" + template if not template.startswith("/api") else template
            paths.append(path)
            params = [p for p in operations["get"].get("parameters", []) if p.get("in") == "query"]
            if params:
                paths.append(path + "?" + "&".join(f"{p['name']}=%00x" for p in params))
        for kind in ("discovery", "services", "requests"):
            for fmt in ("json", "xml"):
                paths.append(f"/open311/v2/{kind}.{fmt}")
        paths += ["/open311/v2/requests/0.json", "/open311/v2/nothing", "/health", "/api/v1/no-such-thing"]
        paths += ["/no-such-page", "/progress?number=%00&phone=%FF", "/guide/%2e%2e%2fetc", "/" + "a" * 300]
        for path in paths:
            if path in self.seen:
                continue
            self.seen.add(path)
            status, headers, body = self.fetch(path)
            self.check_answer(path, headers, body)
            if status >= 500:
                self.flag(path, f"answered {status}")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    started = time.time()
    scan = Scan(sys.argv[1])
    scan.crawl()
    pages = len(scan.seen)
    scan.api()
    if scan.findings:
        print(f"security scan: {len(scan.findings)} finding(s) on {scan.answers} answers")
        for finding in scan.findings:
            print("  " + finding)
        sys.exit(1)
    print(
        f"security scan: {pages} pages and {len(scan.seen) - pages} API/error answers, "
        f"no finding ({time.time() - started:.1f} s)"
    )


if __name__ == "__main__":
    main()
