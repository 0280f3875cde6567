-- KEYS: bal, conc, holds, spend, settled (user's hash tag), ledger shard stream
-- ARGV: requestId, nowMs, costMicro, spendWindowSeconds, entry JSON ('' = no entry)
-- Returns {applied '1'|'0', balance, stream id or ''}.
--
-- Duplicates are detected with a settled marker (sorted set of request ids scored by settle
-- time, trimmed to 10 minutes), not with the hold: a request whose lease expired before it
-- finished still gets billed once, because it did get a response, and the marker is what
-- keeps a second settle of the same id from billing it again.
local bal_k, conc_k, holds_k, spend_k, settled_k, ledger_k = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local rid = ARGV[1]
local now = tonumber(ARGV[2])
local cost_s = ARGV[3]
local window_ms = tonumber(ARGV[4]) * 1000
local entry = ARGV[5]
local SETTLED_MS = 600000

redis.call('ZREMRANGEBYSCORE', settled_k, '-inf', '(' .. fmt(now - SETTLED_MS))
if redis.call('ZSCORE', settled_k, rid) then
  return { '0', redis.call('GET', bal_k) or '0', '' }
end

purge_leases(conc_k, holds_k, now)
local amt = redis.call('HGET', holds_k, 'r:' .. rid)
if not amt and entry == '' then
  -- Failed request whose lease already expired: its hold is gone and there is nothing to bill.
  return { '0', redis.call('GET', bal_k) or '0', '' }
end
if amt then
  redis.call('ZREM', conc_k, rid)
  redis.call('HDEL', holds_k, 'r:' .. rid)
  if amt ~= '0' then redis.call('HINCRBY', holds_k, 'total', '-' .. amt) end
end

local id = ''
if entry ~= '' then
  if cost_s ~= '0' then
    redis.call('DECRBY', bal_k, cost_s)
    if window_ms > 0 then
      local size = bucket_size(window_ms)
      redis.call('HINCRBY', spend_k, fmt(math.floor(now / size) * size), cost_s)
      extend(spend_k, window_ms + size + SLACK_MS)
    end
  end
  id = redis.call('XADD', ledger_k, '*', 'e', entry)
end

redis.call('ZADD', settled_k, fmt(now), rid)
extend(settled_k, SETTLED_MS + SLACK_MS)
return { '1', redis.call('GET', bal_k) or '0', id }
