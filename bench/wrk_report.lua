-- wrk's summary as one JSON line (latencies in microseconds), read by bench/bench_load.py.
--
-- A request only counts as served when it is the page asked for: status 200 and, when bench_load.py passes
-- one (`wrk … <url> -- <marker>`), the page's marker in the body. A redirect to the login page is a fast
-- answer, not a page: it is counted in not_200, a 200 without the marker (an error page, another page) in
-- no_marker. wrk itself counts only statuses of 400 and more (errors.status).

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

-- Each thread has its own Lua state: its counters are globals there, read back in done() with thread:get().
function init(args)
  marker = args[1]
  not_200 = 0
  no_marker = 0
end

function response(status, headers, body)
  if status ~= 200 then
    not_200 = not_200 + 1
  elseif marker and marker ~= "" and not string.find(body, marker, 1, true) then
    no_marker = no_marker + 1
  end
end

done = function(summary, latency, requests)
  local wrong_status, wrong_body = 0, 0
  for _, thread in ipairs(threads) do
    wrong_status = wrong_status + thread:get("not_200")
    wrong_body = wrong_body + thread:get("no_marker")
  end
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50":%d,"p95":%d,"connect":%d,"read":%d,"write":%d,"status":%d,'
      .. '"timeout":%d,"not_200":%d,"no_marker":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    wrong_status, wrong_body))
end
