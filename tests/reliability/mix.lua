-- mix.lua — wrk: a cadre's day as a mix of calls, each wrk thread signed in
-- as its own cadre: half feeds, then items read, learning events (open,
-- progress, complete) and quiz answers, every post with a fresh client id.
-- Counts every non-2xx reply by status and prints the tally at the end.
--
--   wrk -s mix.lua URL -- SESSIONS ITEMS QUESTIONS NONCE
-- SESSIONS: lines "cookie<TAB>csrf"; ITEMS, QUESTIONS: one id a line.

local threads = {}

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

local function lines(path)
   local out = {}
   for line in io.lines(path) do
      if line ~= "" then table.insert(out, line) end
   end
   return out
end

function init(args)
   local sessions = lines(args[1])
   items = lines(args[2])
   questions = lines(args[3])
   nonce = args[4]
   local cookie, csrf = sessions[(id - 1) % #sessions + 1]:match("([^\t]+)\t(.+)")
   get_headers = { ["Cookie"] = cookie }
   post_headers = { ["Cookie"] = cookie, ["X-CSRF-Token"] = csrf,
                    ["Content-Type"] = "application/json" }
   counter = 0
   non2xx = 0
   by_status = {}
   math.randomseed(id * 7919)
end

local kinds = { "open", "open", "progress", "complete" }

function request()
   counter = counter + 1
   local k = counter % 10
   local item = items[math.random(#items)]
   if k < 5 then
      return wrk.format("GET", "/api/feed?limit=10", get_headers)
   elseif k < 7 then
      return wrk.format("GET", "/api/items/" .. item, get_headers)
   elseif k < 9 then
      local kind = kinds[math.random(#kinds)]
      local value = kind == "progress" and ',"value":0.5' or ""
      local body = string.format('{"client_id":"%s-%d-%d","item_id":%s,"kind":"%s"%s}',
                                 nonce, id, counter, item, kind, value)
      return wrk.format("POST", "/api/events", post_headers, body)
   else
      local question = questions[math.random(#questions)]
      local body = string.format('{"choice":[0],"client_id":"%s-a%d-%d"}', nonce, id, counter)
      return wrk.format("POST", "/api/questions/" .. question .. "/answer", post_headers, body)
   end
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      by_status[status] = (by_status[status] or 0) + 1
   end
end

function done(summary, latency, requests)
   local total, statuses = 0, {}
   for _, thread in ipairs(threads) do
      total = total + thread:get("non2xx")
      for status, n in pairs(thread:get("by_status")) do
         statuses[status] = (statuses[status] or 0) + n
      end
   end
   local e = summary.errors
   io.write(string.format("mix: requests %d, non-2xx %d, socket errors %d (connect %d, read %d, write %d, timeout %d)\n",
                          summary.requests, total, e.connect + e.read + e.write + e.timeout,
                          e.connect, e.read, e.write, e.timeout))
   for status, n in pairs(statuses) do
      io.write(string.format("mix: status %d: %d\n", status, n))
   end
   io.write(string.format("mix: latency p50 %.1f ms, p99 %.1f ms\n",
                          latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
