-- wrk script for scripts/bench: varies each request from environment variables
-- and prints one JSON line of figures at the end.
--
--   WRK_MODE   static (default; the URL as given) | search | get | patch | paths
--   WRK_KEY    bearer key sent as Authorization (omitted when empty)
--   WRK_FILE   search: needles, one a line; get/patch: user ids, one a line;
--              paths: request paths with their queries, one a line, cycled in order
--   WRK_LABEL  copied into the JSON line
--
-- Latency percentiles come from wrk's own histogram (microseconds).

local mode = os.getenv("WRK_MODE") or "static"
local key = os.getenv("WRK_KEY") or ""
local file = os.getenv("WRK_FILE") or ""
local label = os.getenv("WRK_LABEL") or mode
local items = {}
local n = 0
local counter = 0

local function urlencode(s)
   return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
   if file ~= "" then
      for line in io.lines(file) do
         if line ~= "" then
            n = n + 1
            items[n] = line
         end
      end
   end
   math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
   wrk.headers["Accept"] = "application/json"
   if key ~= "" then
      wrk.headers["Authorization"] = "Bearer " .. key
   end
end

function request()
   if mode == "static" or n == 0 then
      return wrk.format(nil, nil)
   end
   counter = counter + 1
   if mode == "paths" then
      return wrk.format("GET", items[(counter % n) + 1])
   end
   if mode == "search" then
      local needle = items[(counter % n) + 1]
      return wrk.format("GET", "/api/eai/v3/users?limit=20&search=" .. urlencode(needle))
   end
   local id = items[math.random(n)]
   if mode == "get" then
      return wrk.format("GET", "/api/eai/v3/users/" .. id)
   end
   -- patch: a preferences merge, as the console's edit sends; If-Match * (any version)
   -- (wrk.format's headers replace wrk.headers, so the key goes in again)
   local theme = (counter % 2 == 0) and "dark" or "light"
   local headers = { ["Content-Type"] = "application/json", ["If-Match"] = "*" }
   for k, v in pairs(wrk.headers) do headers[k] = v end
   return wrk.format("PATCH", "/api/eai/v3/users/" .. id, headers,
      '{"preferences":{"theme":"' .. theme .. '"}}')
end

function done(summary, latency, requests)
   local secs = summary.duration / 1e6
   local e = summary.errors
   local errors = e.connect + e.read + e.write + e.timeout
   io.write(string.format(
      'WRK_JSON {"label":"%s","requests":%d,"seconds":%.3f,"rps":%.1f,"bytes":%d,'
      .. '"non2xx":%d,"socket_errors":%d,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,'
      .. '"p999_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f}\n',
      label, summary.requests, secs, summary.requests / secs, summary.bytes,
      e.status, errors,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
      latency.max / 1000, latency.mean / 1000))
end
