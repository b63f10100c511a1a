-- wrk script of bench/run.sh. One script, several modes (environment variable BENCH_MODE):
--   get          GET the URL given to wrk (BENCH_COOKIE, if set, is sent as the Cookie header)
--   post-empty   POST with an empty body (the bare-write baseline)
--   ticket       POST {"category": BENCH_CATEGORY} as JSON (queue ticket)
--   case         POST a case as JSON with the Bearer token BENCH_TOKEN: item BENCH_ITEM, intent BENCH_INTENT, every
--                material BENCH_MATERIALS (comma-separated requirement ids) as an original, and a different valid
--                18-digit resident ID (GB 11643 check character) on every request
-- Every mode counts the answers by status in each thread; done() prints one line
--   BENCH_JSON {"requests":…, "duration_us":…, "status":{"200":…}, "latency_us":{"p50":…, "p99":…}, …}
-- for run.sh to read.

local mode = os.getenv("BENCH_MODE") or "get"
local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

-- Per-thread counters (read back in done() through thread:get).
s200, s201, s2xx, s3xx, s400, s401, s403, s404, s409, s422, s429, s4xx, s500, s503, s5xx = 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
local status_names = { "s200", "s201", "s2xx", "s3xx", "s400", "s401", "s403", "s404", "s409", "s422", "s429", "s4xx", "s500", "s503", "s5xx" }
first_error = ""

function response(status, headers, body)
  if status == 200 then s200 = s200 + 1
  elseif status == 201 then s201 = s201 + 1
  elseif status < 300 then s2xx = s2xx + 1
  elseif status < 400 then s3xx = s3xx + 1
  elseif status == 400 then s400 = s400 + 1
  elseif status == 401 then s401 = s401 + 1
  elseif status == 403 then s403 = s403 + 1
  elseif status == 404 then s404 = s404 + 1
  elseif status == 409 then s409 = s409 + 1
  elseif status == 422 then s422 = s422 + 1
  elseif status == 429 then s429 = s429 + 1
  elseif status < 500 then s4xx = s4xx + 1
  elseif status == 500 then s500 = s500 + 1
  elseif status == 503 then s503 = s503 + 1
  else s5xx = s5xx + 1 end
  -- Keep the first unexpected answer of the thread as evidence (status and the start of the body).
  if status >= 400 and first_error == "" then
    first_error = tostring(status) .. " " .. string.sub(body or "", 1, 300)
  end
end

-- Resident ID numbers (GB 11643): area 421223, a birth date from 1950 on, a sequence, the check character.
local weights = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 }
local check_chars = "10X98765432"

local function civil_from_days(z) -- days since 1970-01-01 → year, month, day (proleptic Gregorian)
  z = z + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  return y, m, d
end

function resident_id(n)
  local days = 18000 -- 1950-01-01 … 1999-04-14
  local y, m, d = civil_from_days(-7305 + (n % days))
  local seq = 1 + (math.floor(n / days) % 999)
  local body = string.format("421223%04d%02d%02d%03d", y, m, d, seq)
  local sum = 0
  for i = 1, 17 do sum = sum + (string.byte(body, i) - 48) * weights[i] end
  local r = sum % 11
  return body .. string.sub(check_chars, r + 1, r + 1)
end

local counter = 0
local case_prefix, case_suffix

function init(args)
  if mode == "get" then
    local cookie = os.getenv("BENCH_COOKIE")
    if cookie and cookie ~= "" then wrk.headers["Cookie"] = cookie end
  elseif mode == "post-empty" then
    wrk.method = "POST"
    wrk.body = ""
  elseif mode == "ticket" then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.body = '{"category":"' .. (os.getenv("BENCH_CATEGORY") or "A") .. '"}'
  elseif mode == "case" then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or "")
    local materials = {}
    for id in string.gmatch(os.getenv("BENCH_MATERIALS") or "", "[^,]+") do
      table.insert(materials, '{"requirementId":"' .. id .. '","provision":"original"}')
    end
    case_prefix = '{"itemCode":"' .. (os.getenv("BENCH_ITEM") or "421223RSJ0001") .. '","applicantKind":"person","idNumber":"'
    case_suffix = '","name":"张三明","phone":"13800138000","intent":"' .. (os.getenv("BENCH_INTENT") or "complete")
      .. '","materials":[' .. table.concat(materials, ",") .. ']}'
  end
end

function request()
  if mode ~= "case" then return wrk.format() end
  -- Thread t of 16 at most takes n = t, t+16, t+32 …, shifted by BENCH_ID_OFFSET: distinct IDs across threads.
  local n = (tonumber(os.getenv("BENCH_ID_OFFSET")) or 0) + counter * 16 + (tid or 0)
  counter = counter + 1
  return wrk.format(nil, nil, nil, case_prefix .. resident_id(n) .. case_suffix)
end

function done(summary, latency, requests)
  local totals = {}
  for _, name in ipairs(status_names) do totals[name] = 0 end
  local evidence = ""
  for _, thread in ipairs(threads) do
    for _, name in ipairs(status_names) do totals[name] = totals[name] + (thread:get(name) or 0) end
    local e = thread:get("first_error")
    if evidence == "" and e and e ~= "" then evidence = e end
  end
  local parts = {}
  for _, name in ipairs(status_names) do
    if totals[name] > 0 then table.insert(parts, string.format('"%s":%d', string.sub(name, 2), totals[name])) end
  end
  local e = summary.errors
  evidence = string.gsub(evidence, '[%c"\\]', " ")
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"status":{%s},' ..
    '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.0f,"p50":%d,"p90":%d,"p99":%d,"max":%d},"first_error":"%s"}\n',
    summary.requests, summary.duration, summary.bytes, table.concat(parts, ","),
    e.connect, e.read, e.write, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, evidence))
end
