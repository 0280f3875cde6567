-- KEYS: bal, rpm, conc, holds, spend (all carry the user's hash tag)
-- ARGV: requestId, nowMs, rpm, concurrency, spendCapMicro, spendWindowSeconds, holdMicro, leaseMs
-- Returns {reason, retryAfterSeconds, balance} on refusal,
-- or {'ok', rpmRemaining, concurrentRemaining, windowSpendRemaining, balance} ('' = null).
local bal_k, rpm_k, conc_k, holds_k, spend_k = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local rid = ARGV[1]
local now = tonumber(ARGV[2])
local rpm = tonumber(ARGV[3])
local conc = tonumber(ARGV[4])
local cap = tonumber(ARGV[5])
local window_ms = tonumber(ARGV[6]) * 1000
local hold_s = ARGV[7]
local hold = tonumber(hold_s)
local lease_ms = tonumber(ARGV[8])

local held = purge_leases(conc_k, holds_k, now)
redis.call('ZREMRANGEBYSCORE', rpm_k, '-inf', '(' .. fmt(now - 60000))

local bal_s = redis.call('GET', bal_k) or '0'
local bal = tonumber(bal_s)

if rpm > 0 then
  local count = redis.call('ZCARD', rpm_k)
  if count >= rpm then
    local oldest = redis.call('ZRANGE', rpm_k, 0, 0, 'WITHSCORES')
    local retry = math.max(1, math.ceil((tonumber(oldest[2]) + 60000 - now) / 1000))
    return { 'rpm', fmt(retry), bal_s }
  end
end

if conc > 0 and redis.call('ZCARD', conc_k) >= conc then
  return { 'concurrency', '1', bal_s }
end

local spent, oldest_b = 0, nil
local size = bucket_size(window_ms)
if window_ms > 0 then
  local kv = redis.call('HGETALL', spend_k)
  for i = 1, #kv, 2 do
    local b = tonumber(kv[i])
    if b + size <= now - window_ms then
      redis.call('HDEL', spend_k, kv[i])
    else
      spent = spent + tonumber(kv[i + 1])
      if oldest_b == nil or b < oldest_b then oldest_b = b end
    end
  end
end
if cap > 0 and spent + held + hold > cap then
  local retry = 1
  if oldest_b ~= nil then
    retry = math.max(1, math.ceil((oldest_b + size + window_ms - now) / 1000))
  end
  return { 'spend', fmt(retry), bal_s }
end

if bal - held < hold then
  return { 'balance', '0', bal_s }
end

if rpm > 0 then
  redis.call('ZADD', rpm_k, fmt(now), rid)
  extend(rpm_k, 60000 + SLACK_MS)
end
-- Re-admitting a still-open request id replaces its hold rather than stacking a second one.
local prev = redis.call('HGET', holds_k, 'r:' .. rid)
if prev then
  held = held - tonumber(prev)
  if prev ~= '0' then redis.call('HINCRBY', holds_k, 'total', '-' .. prev) end
end
redis.call('ZADD', conc_k, fmt(now + lease_ms), rid)
redis.call('HSET', holds_k, 'r:' .. rid, hold_s)
if hold_s ~= '0' then redis.call('HINCRBY', holds_k, 'total', hold_s) end
held = held + hold
extend(conc_k, lease_ms + SLACK_MS)
extend(holds_k, lease_ms + SLACK_MS)

local rpm_rem, conc_rem, spend_rem = '', '', ''
if rpm > 0 then rpm_rem = fmt(rpm - redis.call('ZCARD', rpm_k)) end
if conc > 0 then conc_rem = fmt(conc - redis.call('ZCARD', conc_k)) end
if cap > 0 then spend_rem = fmt(cap - spent - held) end
return { 'ok', rpm_rem, conc_rem, spend_rem, bal_s }
