#!/usr/bin/env python3
"""Every route is registered from SiteRoute; no path string literal outside it.

In Sources/OneWindowServer/**/*.swift, except Platform/SiteRoute*.swift (where the site's paths are defined once),
the check fails on
  (a) a string literal that looks like a site path: it starts with "/" and a letter, a digit or ":"
      ("/cases", "/rate/" + token, "/:id");
  (b) a route registration or group with a string path component: `.get("cases", …)`, `.post("…")`,
      `.on(.POST, "…")`, `.grouped("admin")`, `.webSocket("…")`, `.group("…")` … (a route is a `SiteRoute`).
Comments are ignored. Prints file:line of each offence and exits 1 when there is any.

Usage: .ci/routes.py
"""
import os
import re
import sys

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
ROOT = os.path.join(REPO, "Sources", "OneWindowServer")
EXEMPT = re.compile(r"^Platform/SiteRoute[^/]*\.swift$")

PATH_LITERAL = re.compile(r"^/[A-Za-z0-9:]")
# A registration or group whose path starts with a string: `.get("x"`, `.on(.POST, "x"`, `.grouped("x"` …
# (`req.parameters.get("id")` names a parameter, not a path).
REGISTRATION = re.compile(r"\.(?:get|post|put|patch|delete|grouped|group|webSocket)\(\s*\"|\.on\(\s*[^,()\"]+,\s*\"")
# Receivers whose `.get("…")` is no route: a path parameter, the environment, a query or header value.
NOT_A_ROUTE = re.compile(r"\b(?:parameters|Environment|query|headers|storage|cookies)\s*$")


def scan(text):
    """The source with comments blanked (newlines kept) and every string literal as (line, content).

    String literals are replaced by `"…"` placeholders of the same shape in the code, so `.get("x"` still reads as
    a call with a string argument; interpolations (`\\(…)`) are scanned as code, nested strings included."""
    code, literals = [], []
    i, n, line = 0, len(text), 1

    def read_string(i, line, hashes, multi):
        """From just after the opening quote; returns (end index, line, content)."""
        quote = '"""' if multi else '"'
        close = quote + "#" * hashes
        escape = "\\" + "#" * hashes
        content = []
        while i < n:
            if text.startswith(close, i):
                return i + len(close), line, "".join(content)
            if text.startswith(escape + "(", i):
                # an interpolation: code up to the matching parenthesis
                i += len(escape) + 1
                depth = 1
                inner_start = i
                while i < n and depth:
                    c = text[i]
                    if c == '"':
                        h = 0
                        j = i
                        while j > 0 and text[j - 1] == "#":
                            j -= 1
                            h += 1
                        m = text.startswith('"""', i)
                        i, line, inner = read_string(i + (3 if m else 1), line, h, m)
                        literals.append((line, inner))
                        continue
                    if c == "(":
                        depth += 1
                    elif c == ")":
                        depth -= 1
                    elif c == "\n":
                        line += 1
                    i += 1
                content.append("\\(…)")
                continue
            if text.startswith(escape, i) and i + len(escape) < n:
                content.append(text[i:i + len(escape) + 1])
                i += len(escape) + 1
                continue
            if text[i] == "\n":
                line += 1
            content.append(text[i])
            i += 1
        return i, line, "".join(content)

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            code.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            depth, j = 0, i
            while j < n:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                    if depth == 0:
                        break
                else:
                    j += 1
            chunk = text[i:j]
            line += chunk.count("\n")
            code.append(re.sub(r"[^\n]", " ", chunk))
            i = j
        elif c == "#" and re.match(r'#+"', text[i:]):
            hashes = len(re.match(r"#+", text[i:]).group(0))
            multi = text.startswith('"""', i + hashes)
            start_line = line
            j, line, content = read_string(i + hashes + (3 if multi else 1), line, hashes, multi)
            literals.append((start_line, content))
            code.append('"' + "\n" * (line - start_line) + '"')
            i = j
        elif c == '"':
            multi = text.startswith('"""', i)
            start_line = line
            j, line, content = read_string(i + (3 if multi else 1), line, 0, multi)
            if not multi:
                literals.append((start_line, content))
            else:
                # a multi-line literal: each of its lines is a literal of its own (a path on a line of its own counts)
                for k, part in enumerate(content.split("\n")):
                    literals.append((start_line + k, part.strip()))
            code.append('"' + "\n" * (line - start_line) + '"')
            i = j
        else:
            if c == "\n":
                line += 1
            code.append(c)
            i += 1
    return "".join(code), literals


def offences(path):
    found = []
    source = open(path, encoding="utf-8").read()
    lines = source.split("\n")
    code, literals = scan(source)
    for line, content in literals:
        if PATH_LITERAL.match(content):
            found.append((line, f"path literal \"{content}\"; build it from a SiteRoute"))
    for number, text in enumerate(code.split("\n"), start=1):
        for m in REGISTRATION.finditer(text):
            if NOT_A_ROUTE.search(text[:m.start()]):
                continue
            shown = lines[number - 1].strip()[:90]
            found.append((number, f"route with a string path component: {shown}; register a SiteRoute"))
    return sorted(found)


def main():
    total = 0
    for base, _, names in sorted(os.walk(ROOT)):
        for name in sorted(names):
            if not name.endswith(".swift"):
                continue
            path = os.path.join(base, name)
            relative = os.path.relpath(path, ROOT).replace(os.sep, "/")
            if EXEMPT.match(relative):
                continue
            for line, message in offences(path):
                print(f"Sources/OneWindowServer/{relative}:{line}: {message}")
                total += 1
    if total:
        print(f"FAIL routes: {total} path string(s) outside Platform/SiteRoute*.swift")
        return 1
    print("routes: every route and path comes from SiteRoute")
    return 0


if __name__ == "__main__":
    sys.exit(main())
