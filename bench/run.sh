#!/usr/bin/env bash
# OneWindow benchmark harness (DESIGN.md "Performance"; issue 7 part 6). See bench/README.md.
#
#   bench/run.sh [BINARY] [--scale S] [--duration 10s] [--threads N] [--connections N] [--page-connections N]
#                [--ticket-connections N] [--year 2024] [--data-dir DIR] [--keep] [--out DIR]
#
# BINARY defaults to .build-release/release/onewindow (swift build -c release --product onewindow
# --scratch-path .build-release). Writes bench/results.json and bench/results.md (or --out DIR).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.build-release/release/onewindow"
SCALE=1
DURATION=10s
THREADS=1
CONNECTIONS=32
PAGE_CONNECTIONS=""
TICKET_CONNECTIONS=200
YEAR=2024
DATA_DIR=""
KEEP=0
OUT="$ROOT/bench"
ITEM=421223RSJ0001
HALL=CY-ZX
CATEGORY=A
GUIDE_QUERY=异地就医

usage() { sed -n "2,8p" "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --scale) SCALE="$2"; shift 2 ;;
        --duration) DURATION="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        --connections) CONNECTIONS="$2"; shift 2 ;;
        --page-connections) PAGE_CONNECTIONS="$2"; shift 2 ;;
        --ticket-connections) TICKET_CONNECTIONS="$2"; shift 2 ;;
        --year) YEAR="$2"; shift 2 ;;
        --data-dir) DATA_DIR="$2"; shift 2 ;;
        --keep) KEEP=1; shift ;;
        --out) OUT="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
        *) BIN="$1"; shift ;;
    esac
done

PAGE_CONNECTIONS="${PAGE_CONNECTIONS:-$CONNECTIONS}"
for tool in wrk curl sqlite3 python3; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (wrk: apt-get install -y wrk)" >&2; exit 2; }
done
[ -x "$BIN" ] || { echo "bench: no binary at $BIN (build: swift build -c release --product onewindow --scratch-path .build-release)" >&2; exit 2; }
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

if [ -z "$DATA_DIR" ]; then DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/onewindow-bench.XXXXXX")"; fi
mkdir -p "$DATA_DIR"
[ -z "$(ls -A "$DATA_DIR")" ] || { echo "bench: $DATA_DIR is not empty (the harness needs a fresh data directory)" >&2; exit 2; }
DATA_DIR="$(cd "$DATA_DIR" && pwd)"
# Leaf templates and Public/ are found from the working directory: run everything from the repository.
cd "$ROOT"
WORK="$DATA_DIR/bench"
mkdir -p "$WORK"
DB="$DATA_DIR/onewindow.sqlite"

export ONEWINDOW_DATA_DIR="$DATA_DIR"
export ONEWINDOW_TIMEZONE=Asia/Shanghai
unset DATABASE_URL
ADMIN_PASSWORD="Bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')-Aa1!"

SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "$KEEP" = 0 ]; then rm -rf "$DATA_DIR"; else echo "bench: data kept in $DATA_DIR"; fi
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }
say() { printf '\n== %s\n' "$*" >&2; }

# Results are collected as one JSON object per line, turned into the tables at the end.
RESULTS="$WORK/results.jsonl"
: > "$RESULTS"
record() { python3 -c 'import json,sys; print(json.dumps(dict(a.split("=",1) for a in sys.argv[1:]), ensure_ascii=False))' "$@" >> "$RESULTS"; }

# ---------------------------------------------------------------------------------------------------------------
say "binary $BIN, data $DATA_DIR, scale $SCALE"
"$BIN" migrate -y > "$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log" >&2; exit 1; }

say "simulate --profile chongyang-2024 --seed 1 --scale $SCALE"
t0=$(now)
"$BIN" simulate --profile chongyang-2024 --seed 1 --scale "$SCALE" > "$WORK/simulate.out" 2> "$WORK/simulate.err" \
    || { cat "$WORK/simulate.out" "$WORK/simulate.err" >&2; exit 1; }
t1=$(now)
cat "$WORK/simulate.out" >&2
record kind=simulate wall_s="$(elapsed "$t0" "$t1")" \
    inproc_s="$(grep -o '用时 [0-9.]* 秒' "$WORK/simulate.out" | head -1 | grep -o '[0-9.]*' || echo)" \
    records="$(grep -o '，[0-9,]* 条业务记录' "$WORK/simulate.out" | tr -dc '0-9' || echo)" \
    rows="$(grep -o '共写入 [0-9,]* 行' "$WORK/simulate.out" | tr -dc '0-9' || echo)"

say "report annual --year $YEAR (best of 3)"
for i in 1 2 3; do
    t0=$(now)
    "$BIN" report annual --year "$YEAR" > "$WORK/report.$i.out" 2>&1 || { cat "$WORK/report.$i.out" >&2; exit 1; }
    t1=$(now)
    inproc=$(grep -o '统计用时 [0-9.]* 秒' "$WORK/report.$i.out" | grep -o '[0-9.]*' || echo)
    echo "  run $i: 统计用时 ${inproc:-?} s in process, $(elapsed "$t0" "$t1") s wall" >&2
    record kind=report run="$i" wall_s="$(elapsed "$t0" "$t1")" inproc_s="$inproc"
done
head -1 "$WORK/report.1.out" >&2

say "crypt-bench: the encryption at rest of one case acceptance (issue 15)"
"$BIN" crypt-bench --count 20000 > "$WORK/crypt.out" 2>&1 || { cat "$WORK/crypt.out" >&2; exit 1; }
tail -1 "$WORK/crypt.out" >&2
record kind=crypt us="$(grep -o '[0-9.]* µs each' "$WORK/crypt.out" | grep -o '^[0-9.]*' || echo)"

# ---------------------------------------------------------------------------------------------------------------
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
say "serve on $BASE (production environment, ONEWINDOW_BENCH=1)"
ONEWINDOW_BENCH=1 ONEWINDOW_ADMIN_PASSWORD="$ADMIN_PASSWORD" ONEWINDOW_SECURE_COOKIES=0 LOG_LEVEL="${LOG_LEVEL:-warning}" \
    "$BIN" serve --env production --hostname 127.0.0.1 --port "$PORT" > "$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
    curl -sf "$BASE/health" > /dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
    sleep 0.5
done
curl -sf "$BASE/health" > /dev/null || { echo "bench: the server did not answer /health" >&2; cat "$WORK/serve.log" >&2; exit 1; }
curl -sf "$BASE/bench/bare-read" > /dev/null || { echo "bench: /bench/bare-read missing — a binary without BenchRoutes?" >&2; exit 1; }
PRAGMAS=$(curl -sf "$BASE/bench/sqlite")
echo "  SQLite: $PRAGMAS" >&2
record kind=sqlite pragmas="$PRAGMAS"

# An API token (the admin may accept cases) and a signed-in staff session for the list pages.
TOKEN=$("$BIN" create-token admin --name bench --scopes cases:read,cases:write 2>&1 | grep -o 'ow_[A-Za-z0-9_-]*' | head -1)
[ -n "$TOKEN" ] || { echo "bench: create-token failed" >&2; exit 1; }
JAR="$WORK/cookies.txt"
CSRF=$(curl -sf -c "$JAR" -b "$JAR" "$BASE/signin" | grep -o 'name="csrfToken" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
SIGNIN=$(curl -s -c "$JAR" -b "$JAR" -o /dev/null -w '%{http_code}' --data-urlencode username=admin \
    --data-urlencode "password=$ADMIN_PASSWORD" --data-urlencode "csrfToken=$CSRF" "$BASE/signin")
SESSION=$(awk '$6 == "ow_session" { print $7 }' "$JAR" | tail -1)
[ "$SIGNIN" = 303 ] && [ -n "$SESSION" ] || { echo "bench: sign-in failed ($SIGNIN)" >&2; exit 1; }
COOKIE="ow_session=$SESSION"
MATERIALS=$(curl -sf "$BASE/api/v1/items/$ITEM" | python3 -c 'import json,sys; print(",".join(m["id"] for m in json.load(sys.stdin)["materials"]))')

# run_wrk NAME MODE CONNECTIONS URL [expected status] — one wrk run; its BENCH_JSON line goes to the results.
run_wrk() {
    local name="$1" mode="$2" conns="$3" url="$4" expect="${5:-200}"
    local threads=$THREADS
    [ "$threads" -le "$conns" ] || threads=$conns
    echo "  wrk -t$threads -c$conns -d$DURATION --latency --timeout 30s  $name  $url" >&2
    BENCH_MODE="$mode" BENCH_COOKIE="${BENCH_COOKIE:-}" BENCH_TOKEN="$TOKEN" BENCH_ITEM="$ITEM" BENCH_MATERIALS="$MATERIALS" \
        BENCH_CATEGORY="$CATEGORY" BENCH_ID_OFFSET="${BENCH_ID_OFFSET:-0}" \
        wrk -t"$threads" -c"$conns" -d"$DURATION" --latency --timeout 30s -s "$ROOT/bench/wrk/bench.lua" "$url" \
        > "$WORK/wrk.$name.out" 2>&1 || { cat "$WORK/wrk.$name.out" >&2; exit 1; }
    local line
    line=$(grep '^BENCH_JSON ' "$WORK/wrk.$name.out" | sed 's/^BENCH_JSON //')
    grep -E 'Requests/sec|Latency  ' "$WORK/wrk.$name.out" | sed 's/^/    /' >&2
    python3 - "$name" "$mode" "$conns" "$threads" "$url" "$expect" "$line" >> "$RESULTS" <<'PY'
import json, sys
name, mode, conns, threads, url, expect, line = sys.argv[1:]
w = json.loads(line)
ok = w["status"].get(expect, 0)
secs = w["duration_us"] / 1e6
print(json.dumps({"kind": "wrk", "name": name, "mode": mode, "connections": int(conns), "threads": int(threads), "url": url,
                  "expected_status": int(expect), "ok": ok, "ok_per_s": ok / secs, "wrk": w}, ensure_ascii=False))
if w["requests"] == 0:
    print(f"    {name}: no answer within the run (every request took longer than the duration)", file=sys.stderr)
elif ok != w["requests"]:
    print(f"    {name}: {w['requests'] - ok} answers other than {expect}: {w['status']} {w['first_error'][:200]}", file=sys.stderr)
PY
}

warm() { for _ in 1 2 3; do curl -s -o /dev/null -H "Cookie: $COOKIE" "$1"; done; }

GUIDE_URL="$BASE/guide?q=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$GUIDE_QUERY")"
PAGES=("guide-search|$GUIDE_URL|" "case-list|$BASE/cases?view=all|staff" "overdue-list|$BASE/cases?view=overdue|staff"
       "hotline-list|$BASE/hotline|staff")

say "reads: bare-read, then the pages"
warm "$BASE/bench/bare-read"
run_wrk bare-read get "$CONNECTIONS" "$BASE/bench/bare-read"
for page in "${PAGES[@]}"; do
    IFS='|' read -r name url auth <<< "$page"
    status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$url")
    [ "$status" = 200 ] || { echo "bench: $url answered $status" >&2; exit 1; }
    warm "$url"
    if [ "$auth" = staff ]; then BENCH_COOKIE="$COOKIE" run_wrk "$name" get "$PAGE_CONNECTIONS" "$url"; else run_wrk "$name" get "$PAGE_CONNECTIONS" "$url"; fi
done

say "writes: bare-write, case acceptance, bare-write with $TICKET_CONNECTIONS connections, tickets"
curl -s -o /dev/null -X POST "$BASE/bench/bare-write"
run_wrk bare-write post-empty "$CONNECTIONS" "$BASE/bench/bare-write" 201
CASES_BEFORE=$(sqlite3 "$DB" "SELECT count(*) FROM cases")
run_wrk case-accept case "$CONNECTIONS" "$BASE/api/v1/cases" 201
sleep 1
run_wrk bare-write-c$TICKET_CONNECTIONS post-empty "$TICKET_CONNECTIONS" "$BASE/bench/bare-write" 201
TICKETS_BEFORE=$(sqlite3 "$DB" "SELECT count(*) FROM tickets")
run_wrk ticket-issue ticket "$TICKET_CONNECTIONS" "$BASE/api/v1/halls/$HALL/tickets" 201
sleep 2 # requests cut off by wrk's stop still finish on the server

# The database after the write runs: no duplicate ticket numbers, no gaps; the cases all there.
say "checks in the database"
python3 - "$DB" "$TICKETS_BEFORE" "$CASES_BEFORE" >> "$RESULTS" <<'PY'
import json, sqlite3, sys
db, tickets_before, cases_before = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
c = sqlite3.connect(db)
q = lambda sql: c.execute(sql).fetchall()
days = [r[0] for r in q("SELECT DISTINCT service_day FROM tickets WHERE channel = 'kiosk' AND service_day >= date('now', '-1 day')")]
dup_seq = q("SELECT hex(hall_id), prefix, service_day, sequence, count(*) FROM tickets GROUP BY hall_id, prefix, service_day, sequence HAVING count(*) > 1")
dup_num = q("SELECT hex(hall_id), service_day, number, count(*) FROM tickets GROUP BY hall_id, service_day, number HAVING count(*) > 1")
groups = q("SELECT hex(hall_id), prefix, service_day, count(*), min(sequence), max(sequence) FROM tickets "
           "WHERE service_day >= date('now', '-1 day') GROUP BY hall_id, prefix, service_day")
gaps = [g for g in groups if g[4] != 1 or g[5] != g[3]]
tickets_after = q("SELECT count(*) FROM tickets")[0][0]
dup_case = q("SELECT case_number, count(*) FROM cases GROUP BY case_number HAVING count(*) > 1")
cases_after = q("SELECT count(*) FROM cases")[0][0]
out = {"kind": "checks", "tickets_written": tickets_after - tickets_before, "ticket_days": days,
       "duplicate_sequences": len(dup_seq), "duplicate_numbers": len(dup_num), "sequence_gaps": len(gaps),
       "duplicate_examples": [list(map(str, r)) for r in (dup_seq + dup_num)[:5]],
       "cases_written": cases_after - cases_before, "duplicate_case_numbers": len(dup_case)}
print(json.dumps(out, ensure_ascii=False))
print(f"  tickets written {out['tickets_written']}, duplicate (hall, prefix, day, sequence) {len(dup_seq)}, "
      f"duplicate numbers {len(dup_num)}, groups with gaps {len(gaps)}; cases written {out['cases_written']}, "
      f"duplicate case numbers {len(dup_case)}", file=sys.stderr)
PY

grep -iE 'error|critical' "$WORK/serve.log" | head -20 > "$WORK/serve-errors.txt" || true
SERVER_ERRORS=$(grep -ciE 'error|critical' "$WORK/serve.log" || true)
record kind=serverlog error_lines="${SERVER_ERRORS:-0}" first="$(head -20 "$WORK/serve-errors.txt" | tr '\n' ' ' | cut -c1-4000)"
cp "$WORK/serve-errors.txt" "$OUT/serve-errors.txt"

# ---------------------------------------------------------------------------------------------------------------
say "results"
python3 - "$RESULTS" "$OUT" "$BIN" "$SCALE" "$DURATION" "$THREADS" "$CONNECTIONS" "$TICKET_CONNECTIONS" "$YEAR" "$ROOT" "$PAGE_CONNECTIONS" <<'PY'
import json, os, platform, subprocess, sys, time
results_path, out, binary, scale, duration, threads, conns, ticket_conns, year, root, page_conns = sys.argv[1:]
scale = float(scale)
rows = [json.loads(l) for l in open(results_path, encoding="utf-8") if l.strip()]
wrk = {r["name"]: r for r in rows if r["kind"] == "wrk"}
sim = next(r for r in rows if r["kind"] == "simulate")
reports = [r for r in rows if r["kind"] == "report"]
crypt = next((r for r in rows if r["kind"] == "crypt"), None)
checks = next(r for r in rows if r["kind"] == "checks")
pragmas = json.loads(next(r for r in rows if r["kind"] == "sqlite")["pragmas"])
serverlog = next(r for r in rows if r["kind"] == "serverlog")

def sh(*cmd):
    try: return subprocess.run(cmd, capture_output=True, text=True, cwd=root).stdout.strip()
    except Exception: return ""

commit = sh("git", "rev-parse", "--short=12", "HEAD")
dirty = bool(sh("git", "status", "--porcelain", "--untracked-files=no"))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
build = "release" if "/release/" in binary else ("debug" if "/debug/" in binary else "unknown")
machine = {"cores": os.cpu_count(), "cpu": cpu, "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "git_commit": commit + ("+dirty" if dirty else ""),
           "binary": binary, "build": build, "binary_mtime": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(os.path.getmtime(binary))),
           "load_average_at_end": os.getloadavg(), "wrk": sh("wrk", "--version").splitlines()[0] if sh("wrk", "--version") else "",
           "wrk_settings": {"threads": int(threads), "connections": int(conns), "page_connections": int(page_conns), "ticket_connections": int(ticket_conns), "duration": duration,
                            "timeout": "30s"},
           "sqlite": pragmas, "scale": scale, "year": int(year)}

bare_read, bare_write = wrk["bare-read"]["ok_per_s"], wrk["bare-write"]["ok_per_s"]
bare_write_tc = wrk.get(f"bare-write-c{ticket_conns}", wrk["bare-write"])
ops = []
def op(name, measured, unit, baseline_name, baseline, ratio, target, ok, note=""):
    ops.append({"operation": name, "measured": measured, "unit": unit, "baseline": baseline_name, "baseline_value": baseline,
                "ratio": ratio, "target": target, "result": ok, "note": note})
def p99_ms(r): return r["wrk"]["latency_us"]["p99"] / 1000

op("bare-read (GET /bench/bare-read)", bare_read, "req/s", None, None, None, "baseline", None,
   f"p99 {p99_ms(wrk['bare-read']):.1f} ms, -c{conns}")
op("bare-write (POST /bench/bare-write)", bare_write, "req/s", None, None, None, "baseline", None,
   f"p99 {p99_ms(wrk['bare-write']):.1f} ms, -c{conns}")
if bare_write_tc is not wrk["bare-write"]:
    op(f"bare-write, {ticket_conns} connections", bare_write_tc["ok_per_s"], "req/s", None, None, None, "baseline (tickets)", None,
       f"p99 {p99_ms(bare_write_tc):.1f} ms")
c = wrk["case-accept"]; r = c["ok_per_s"] / bare_write
op("accept a case over HTTP (POST /api/v1/cases, 即办件 accepted and completed)", c["ok_per_s"], "201/s", "bare-write", bare_write, r,
   "≥ 0.5 × bare-write", r >= 0.5, f"p99 {p99_ms(c):.1f} ms; answers {c['wrk']['status']}; cases written {checks['cases_written']}")
t = wrk["ticket-issue"]; r = t["ok_per_s"] / bare_write_tc["ok_per_s"]
no_dup = checks["duplicate_sequences"] == 0 and checks["duplicate_numbers"] == 0
op(f"issue a queue ticket, {ticket_conns} concurrent clients (POST /api/v1/halls/…/tickets)", t["ok_per_s"], "201/s",
   f"bare-write -c{ticket_conns}", bare_write_tc["ok_per_s"], r, "≥ 0.6 × bare-write, no duplicate numbers", r >= 0.6 and no_dup,
   f"p99 {p99_ms(t):.1f} ms; answers {t['wrk']['status']}; {checks['tickets_written']} tickets written, "
   f"{checks['duplicate_numbers']} duplicate numbers, {checks['duplicate_sequences']} duplicate sequences, {checks['sequence_gaps']} gaps")
for name, label in [("guide-search", "guide search page"), ("case-list", "case list page (/cases?view=all)"),
                    ("overdue-list", "overdue list page (/cases?view=overdue)"), ("hotline-list", "12345 work-order list page (/hotline)")]:
    if name not in wrk: continue
    p = wrk[name]; r = p["ok_per_s"] / bare_read
    op(f"{label}, a year of data", p["ok_per_s"], "req/s", "bare-read", bare_read, r, "≥ 0.25 × bare-read, p99 ≤ 50 ms",
       r >= 0.25 and p99_ms(p) <= 50, f"p99 {p99_ms(p):.1f} ms, -c{p['connections']}; {p['url'].split('/', 3)[-1]}")
full = scale == 1
sim_s = float(sim["inproc_s"] or sim["wall_s"])
op(f"simulate and store the year (simulate --scale {scale:g}: {int(sim['records'] or 0):,} records, {int(sim['rows'] or 0):,} rows)",
   sim_s, "s", None, None, None, "≤ 60 s (full year)", (sim_s <= 60) if full else None,
   f"wall {float(sim['wall_s']):.1f} s (process start included)" + ("" if full else f"; scale {scale:g}, target applies to the full year"))
best = min(reports, key=lambda r: float(r["inproc_s"] or r["wall_s"]))
rep_s = float(best["inproc_s"] or best["wall_s"])
op(f"annual report over that year (report annual --year {year}, best of 3)", rep_s, "s", None, None, None, "≤ 1 s",
   (rep_s <= 1) if full else None, f"in process (统计用时); wall {min(float(r['wall_s']) for r in reports):.2f} s best, process start included"
   + ("" if full else f"; scale {scale:g}"))

if crypt and crypt.get("us"):
    op("encryption at rest per case acceptance (crypt-bench: 4 seals, 4 opens, 1 keyed hash)", float(crypt["us"]), "µs",
       None, None, None, "measured (issue 15)", None, "AES-256-GCM and HMAC-SHA256 in process, 20 000 acceptances")

doc = {"machine": machine, "operations": ops, "checks": checks, "server_log_error_lines": int(serverlog["error_lines"] or 0),
       "server_log_first_errors": serverlog.get("first", ""), "raw": rows}
with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as f:
    json.dump(doc, f, ensure_ascii=False, indent=2); f.write("\n")

def fmt(v, unit):
    if v is None: return ""
    return f"{v:,.2f} {unit}" if unit == "s" else f"{v:,.0f} {unit}"
def res(v): return "—" if v is None else ("PASS" if v else "**FAIL**")
lines = ["| operation | measured | baseline | ratio | target | result |", "|---|---:|---:|---:|---|---|"]
for o in ops:
    base = f"{o['baseline_value']:,.0f} req/s ({o['baseline']})" if o["baseline"] else ""
    ratio = f"{o['ratio']:.2f}" if o["ratio"] is not None else ""
    lines.append(f"| {o['operation']} | {fmt(o['measured'], o['unit'])} | {base} | {ratio} | {o['target']} | {res(o['result'])} |")
notes = [f"- {o['operation'].split(' (')[0]}: {o['note']}" for o in ops if o["note"]]
sync = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(pragmas.get("synchronous"), pragmas.get("synchronous"))
md = [f"# OneWindow benchmarks", "",
      f"{machine['date']} · commit `{machine['git_commit']}` · {build} binary `{binary}` (built {machine['binary_mtime']}) · "
      f"{machine['cores']} cores ({cpu}) · load average at end {', '.join(f'{x:.2f}' for x in machine['load_average_at_end'])}", "",
      f"SQLite journal_mode={pragmas.get('journalMode')}, synchronous={sync} · {machine['wrk']} on loopback, "
      f"`-t{threads} -c{conns} -d{duration} --timeout 30s` (pages `-c{page_conns}`, tickets `-c{ticket_conns}`), server and wrk on the same cores · "
      f"simulate scale {scale:g}, year {year}", "", *lines, "", "Details:", *notes,
      f"- server log lines with error/critical: {doc['server_log_error_lines']}", ""]
if build != "release" or not full:
    md.insert(2, f"> Not a reference run: {build} build, scale {scale:g}. Ratios and times are meaningful only for a release build at scale 1.\n")
with open(os.path.join(out, "results.md"), "w", encoding="utf-8") as f: f.write("\n".join(md))
print("\n".join(md))
failed = [o for o in ops if o["result"] is False]
print(f"{len(failed)} target(s) failed" if failed else "all targets met" if build == "release" and full else "done (not a reference run)")
PY
echo "bench: wrote $OUT/results.json and $OUT/results.md" >&2
