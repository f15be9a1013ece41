-- wrk script: requests the paths listed in a file (one per line), in turn, and prints
-- requests per second with the 50th, 95th and 99th percentile latency at the end.
--   wrk -t2 -c16 -d20s -s bench/paths.lua http://127.0.0.1:8765 -- /tmp/search-paths.txt
local paths = {}
local next_index = 1

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

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "requests/s %.1f  p50 %.2f ms  p95 %.2f ms  p99 %.2f ms  non-2xx %d  socket errors %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
