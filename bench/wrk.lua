-- wrk script of `make bench`: sends one page with the session cookie and prints
-- the run's numbers as one JSON line. Arguments: method path cookie [body].
-- In a POST body, `{n}` becomes a number unique to each request, `{token}` a
-- one-time form token (64 hex digits) unique to each request and run, and
-- `{day}` and `{half}` a date and `am` or `pm`: a half day unique to each
-- request of the run (one person's leave may not overlap). Each thread has
-- SLOTS half days of its own from 2030-01-01; two threads reach 2199, within
-- the years a form accepts.
local threads = {}
local counter = 0
local SLOTS = 62000

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  method, path, cookie, body = args[1], args[2], args[3], args[4]
  n = 0
  math.randomseed(os.time() * 1000 + tid)
  local hex = {}
  for i = 1, 40 do hex[i] = string.format("%x", math.random(0, 15)) end
  prefix = table.concat(hex)
  first_day = os.time({ year = 2030, month = 1, day = 1, hour = 12 })
  headers = { ["Cookie"] = cookie }
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
  end
end

function request()
  if method == "POST" then
    n = n + 1
    local b = body:gsub("{n}", tid .. "x" .. n)
    b = b:gsub("{token}", prefix .. string.format("%08x%016x", tid, n))
    local slot = (tid - 1) * SLOTS + (n - 1) % SLOTS
    b = b:gsub("{day}", os.date("%Y-%m-%d", first_day + math.floor(slot / 2) * 86400))
    b = b:gsub("{half}", slot % 2 == 0 and "am" or "pm")
    return wrk.format("POST", path, headers, b)
  end
  return wrk.format(method, path, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
