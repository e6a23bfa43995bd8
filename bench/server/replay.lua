-- replay.lua: wrk replays one pre-signed AWS Query request.
--
--   wrk -t2 -c32 -d20s --latency -s bench/server/replay.lua http://127.0.0.1:PORT/ -- REQ
--
-- REQ is written by bench/server/presign.py: the method on the first line, the body on
-- the second (form-encoded, so it has no newline), then one "Name: value" header per
-- line. A SigV4 signature stays valid for 15 minutes and is not single-use, so the same
-- bytes can be sent again and again within that window. The request string is built
-- once per thread; no response() is defined, so wrk does not parse bodies. done() prints
-- one machine-readable line (BENCH_JSON {...}) for bench/server/run.py.

local request_bytes

function init(args)
  local path = args[1]
  if path == nil then
    error("usage: wrk ... -s replay.lua URL -- REQUEST_FILE")
  end
  local file = assert(io.open(path, "r"))
  local method = file:read("*l")
  local body = file:read("*l")
  local headers = {}
  for line in file:lines() do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    if name ~= nil then
      headers[name] = value
    end
  end
  file:close()
  wrk.method = method
  wrk.body = body
  wrk.headers = headers
  request_bytes = wrk.format(method, "/", headers, body)
end

function request()
  return request_bytes
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max,
    latency:percentile(50.0), latency:percentile(90.0), latency:percentile(99.0),
    latency:percentile(99.9)))
end
