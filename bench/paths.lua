-- wrk script: requests the paths listed in a file (one per line), in turn, and prints
-- requests per second with the 50th, 95th and 99th percentile latency at the end.
--   wrk -t1 -c16 -d20s -s bench/paths.lua http://127.0.0.1:8765 -- /tmp/search-paths.txt
-- Each thread walks the whole list from the top, so a list meant to be requested once per
-- line (distinct searches) needs `-t1`. Answers are counted by kind: 503 with Retry-After
-- (shed by admission control) apart from every other status >= 400. The last line is the
-- same figures as JSON, for bench/capacity.py.
local paths = {}
local next_index = 1
shed, failed = 0, 0 -- per thread; summed in done()
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
end

function request()
  local path = paths[next_index]
  next_index = next_index % #paths + 1
  return wrk.format("GET", path)
end

function response(status, headers, body)
  if status == 503 and (headers["retry-after"] or headers["Retry-After"]) then
    shed = shed + 1
  elseif status >= 400 then
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  local socket_errors = errors.connect + errors.read + errors.write + errors.timeout
  local shed_total, failed_total = 0, 0
  for _, thread in ipairs(threads) do
    shed_total = shed_total + thread:get("shed")
    failed_total = failed_total + thread:get("failed")
  end
  io.write(string.format(
    "requests/s %.1f  p50 %.2f ms  p95 %.2f ms  p99 %.2f ms  non-2xx %d  socket errors %d"
      .. "  shed (503 + Retry-After) %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors.status, socket_errors, shed_total))
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, '
      .. '"errors": %d, "shed": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    failed_total + socket_errors, shed_total))
end
