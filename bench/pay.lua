-- wrk script: each request pays a different pre-created payment request, once, with the
-- approved test card, so every 200 is a real payment.
--   wrk ... -s bench/pay.lua http://127.0.0.1:PORT -- REQUESTS_FILE THREADS
-- REQUESTS_FILE holds "request_id client_secret" lines (bench/create-requests.mjs). Thread k
-- of n takes lines k, k+n, k+2n, ... A thread that runs out repeats its last request, which
-- answers 409: it shows in the non-2xx count and in "exhausted" below, never as a success.
-- wrk calls request() once on thread 0 to check the script before the run; that request is
-- never sent, so thread 0's first line stays unpaid.

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

-- Globals, so done() can read them from each thread with thread:get.
statuses, exhausted = {}, 0
local mine, sent = {}, 0
local body = '{"method":{"type":"card","number":"4242424242424242","exp_month":12,' ..
  '"exp_year":' .. (tonumber(os.date("!%Y")) + 3) .. ',"cvc":"123","name":"Bench Buyer",' ..
  '"postal_code":"94107"}}'

function init(args)
  local threads_total, line_no = tonumber(args[2]), 0
  for line in io.lines(args[1]) do
    local id, secret = line:match("^(%S+) (%S+)$")
    if id then
      if line_no % threads_total == tid then table.insert(mine, { id = id, secret = secret }) end
      line_no = line_no + 1
    end
  end
end

function request()
  sent = sent + 1
  local item = mine[sent]
  if not item then
    item = mine[#mine]
    exhausted = exhausted + 1
  end
  return wrk.format("POST", "/v1/payment_requests/" .. item.id .. "/pay", {
    ["Authorization"] = "Bearer " .. item.secret,
    ["Content-Type"] = "application/json",
  }, body)
end

function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function done()
  local all, total_exhausted = {}, 0
  for _, thread in ipairs(threads) do
    total_exhausted = total_exhausted + thread:get("exhausted")
    for code, count in pairs(thread:get("statuses")) do all[code] = (all[code] or 0) + count end
  end
  local parts = {}
  for code, count in pairs(all) do table.insert(parts, code .. ": " .. count) end
  table.sort(parts)
  io.write("statuses: ", table.concat(parts, ", "), "\n")
  io.write("exhausted: ", total_exhausted, "\n")
end
