#!/usr/bin/env python3
"""The module graph of OneWindowServer, read from the sources.

Every folder of Sources/OneWindowServer is a module. A module depends on another when one of its files names a type
(class, struct, enum, protocol, actor, typealias) or a top-level function declared in the other's folder. The check
fails when Platform (the kernel) depends on any module, or when the graph has a cycle.

Usage: .ci/module-graph.py [--dot] [--why A B]
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources", "OneWindowServer")
KERNEL = "Platform"
# The composition root: it lists the modules and so may name all of them; nothing may name it.
COMPOSITION = "App"

DECL = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|internal|private|fileprivate|package|final|indirect|"
                  r"nonisolated|open)\s+)*(?:class|struct|enum|protocol|actor|typealias|func)\s+([A-Za-z_]\w*)", re.M)
IDENT = re.compile(r"[A-Za-z_]\w*")


def strip(source):
    """Source without comments and string literals (so prose and paths do not count as references)."""
    source = re.sub(r'"""(?:.|\n)*?"""', '""', source)
    source = re.sub(r"/\*(?:.|\n)*?\*/", " ", source)
    source = re.sub(r"//[^\n]*", " ", source)
    source = re.sub(r'"(?:\\.|[^"\\\n])*"', '""', source)
    return source


def modules():
    result = {}
    for name in sorted(os.listdir(ROOT)):
        folder = os.path.join(ROOT, name)
        if not os.path.isdir(folder):
            continue
        files = []
        for base, _, names in os.walk(folder):
            files += [os.path.join(base, n) for n in names if n.endswith(".swift")]
        if files:
            result[name] = {f: strip(open(f, encoding="utf-8").read()) for f in sorted(files)}
    return result


def declarations(mods):
    owner = {}
    for module, files in mods.items():
        for text in files.values():
            depth = 0
            for line in text.split("\n"):
                if depth == 0:
                    m = DECL.match(line)
                    if m and not line.lstrip().startswith("extension"):
                        owner.setdefault(m.group(1), module)
                depth += line.count("{") - line.count("}")
    return owner


FUNC = re.compile(r"\bfunc\s+([A-Za-z_]\w*)")


def graph(mods, owner):
    edges = {}
    for module, files in mods.items():
        # A name the module declares itself at any depth (a method `configure`) is its own, not another's function.
        own = {name for text in files.values() for name in FUNC.findall(text)}
        for path, text in files.items():
            for word in set(IDENT.findall(text)):
                target = owner.get(word)
                if target and target != module and word not in own:
                    edges.setdefault(module, {}).setdefault(target, set()).add((os.path.relpath(path, ROOT), word))
    return edges


def cycles(edges):
    found, state, stack = [], {}, []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, {})):
            if state.get(nxt) == 1:
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


SCHEMA = re.compile(r'static\s+let\s+schema\s*=\s*"(\w+)"')
MIGRATION = re.compile(r"^struct\s+(M\d{4}\w*)\s*:\s*AsyncMigration\s*\{", re.M)
WRITES = [
    re.compile(r"\.schema\(\s*(\w+)\.schema\s*\)"),  # database.schema(Case.schema)…create/update/delete
    re.compile(r"\.on\(\s*(\w+)\.schema\s*\)"),  # sql.create(index:).on(Case.schema)
    re.compile(r'\.schema\(\s*"(\w+)"\s*\)'),
    re.compile(r"\bALTER\s+TABLE\s+(\w+)", re.I),
    re.compile(r"\bINDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?\w+\s+ON\s+(\w+)", re.I),
    re.compile(r"\bINSERT\s+INTO\s+(\w+)", re.I),
    re.compile(r"\bUPDATE\s+(\w+)\s+SET\b", re.I),
    re.compile(r"\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(\w+)", re.I),
    re.compile(r"\bON\s+(\w+)\s+FOR\s+EACH\s+ROW", re.I),
]


def migration_problems():
    """Each migration may write only its own module's tables (a table's owner declares its model's schema)."""
    raw = {}
    for name in sorted(os.listdir(ROOT)):
        folder = os.path.join(ROOT, name)
        if os.path.isdir(folder):
            raw[name] = {os.path.join(b, n): open(os.path.join(b, n), encoding="utf-8").read()
                         for b, _, ns in os.walk(folder) for n in ns if n.endswith(".swift")}
    table_owner, type_table = {}, {}
    for module, files in raw.items():
        for text in files.values():
            for m in re.finditer(r"(?:class|struct)\s+(\w+)[^{]*\{[^}]*?" + SCHEMA.pattern, text):
                type_table[m.group(1)] = m.group(2)
                table_owner[m.group(2)] = module
    problems = []
    for module, files in raw.items():
        for path, text in files.items():
            for m in MIGRATION.finditer(text):
                end = text.find("\n}\n", m.end())
                body = text[m.end():end if end >= 0 else len(text)]
                for pattern in WRITES:
                    for w in pattern.finditer(body):
                        table = type_table.get(w.group(1), w.group(1))
                        owner = table_owner.get(table)
                        if owner and owner != module:
                            problems.append(f"{module}'s migration {m.group(1)} writes {owner}'s table {table}")
    return sorted(set(problems))


def main(argv):
    mods = modules()
    owner = declarations(mods)
    edges = graph(mods, owner)
    if "--why" in argv:
        a, b = argv[argv.index("--why") + 1:argv.index("--why") + 3]
        for path, word in sorted(edges.get(a, {}).get(b, ())):
            print(f"{path}: {word}")
        return 0
    if "--dot" in argv:
        print("digraph modules {")
        for a in sorted(edges):
            for b in sorted(edges[a]):
                print(f'  "{a}" -> "{b}";')
        print("}")
        return 0
    failures = []
    for module in sorted(mods):
        deps = sorted(edges.get(module, {}))
        print(f"{module:12} -> {', '.join(deps) if deps else '(nothing)'}")
    for target, refs in sorted(edges.get(KERNEL, {}).items()):
        names = sorted({w for _, w in refs})
        failures.append(f"Platform (the kernel) names {target}'s types: {', '.join(names[:8])}")
    for module, targets in sorted(edges.items()):
        if COMPOSITION in targets:
            failures.append(f"{module} names the composition root {COMPOSITION}")
    for cycle in cycles({m: {t for t in ts if t != COMPOSITION} for m, ts in edges.items() if m != COMPOSITION}):
        failures.append("cycle: " + " -> ".join(cycle))
    failures += migration_problems()
    for failure in failures:
        print("FAIL " + failure)
    if failures:
        print(f"module graph: {len(failures)} problem(s); see .ci/module-graph.py --why A B")
        return 1
    print("module graph: Platform names no module, no cycles, each migration writes only its own module's tables")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
