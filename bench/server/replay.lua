-- replay.lua: wrk replays pre-signed AWS requests (Query or S3 REST).
--
--   wrk -t2 -c32 -d20s --latency -s bench/server/replay.lua http://127.0.0.1:PORT/ \
--       -- REQUEST_FILE [THREADS]
--
-- REQUEST_FILE is written by bench/server/presign.py: one or more HTTP/1.1 requests back
-- to back, exactly as they go on the wire (CRLF, Content-Length when there is a body, the
-- body's raw bytes; read in binary mode, so a binary body is sent as it is). A SigV4
-- signature stays valid for 15 minutes and is not single-use, so the same bytes can be
-- sent again and again within that window. With several requests, thread i of THREADS
-- (the same number as wrk's -t) takes the i-th contiguous share of them and sends its
-- share in turn, request after request: two threads never send the same one, and a
-- thread sends the same one again only after the rest of its share (bench/server/s3.py
-- uses this to PUT distinct keys). No response() is defined, so wrk does not parse
-- bodies. done() prints one machine-readable line (BENCH_JSON {...}) for
-- bench/server/common.py.

local threads_started = 0

-- Runs in wrk's main Lua state, once per thread before its init().
function setup(thread)
  thread:set("thread_index", threads_started)
  threads_started = threads_started + 1
end

local function split_requests(data, path)
  local requests, pos = {}, 1
  while pos <= #data do
    local head_end = data:find("\r\n\r\n", pos, true)
    assert(head_end ~= nil, "no end of headers in " .. path .. " at byte " .. pos)
    local head = data:sub(pos, head_end + 3):lower()
    local length = tonumber(head:match("\r\ncontent%-length: *(%d+)\r\n")) or 0
    local stop = head_end + 3 + length
    assert(stop <= #data, "body shorter than its Content-Length in " .. path)
    requests[#requests + 1] = data:sub(pos, stop)
    pos = stop + 1
  end
  assert(#requests > 0, "no request in " .. path)
  return requests
end

local mine = {}
local next_index = 0

function init(args)
  local path = args[1]
  if path == nil then
    error("usage: wrk ... -s replay.lua URL -- REQUEST_FILE [THREADS]")
  end
  local file = assert(io.open(path, "rb"))
  local all = split_requests(file:read("*a"), path)
  file:close()
  local count = tonumber(args[2] or "1")
  local index = thread_index or 0
  if #all < count then
    mine = all
  else
    for i = math.floor(index * #all / count) + 1, math.floor((index + 1) * #all / count) do
      mine[#mine + 1] = all[i]
    end
  end
end

function request()
  next_index = next_index % #mine + 1
  return mine[next_index]
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
