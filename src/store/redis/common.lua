-- Shared helpers, prepended to admit.lua and settle.lua.
-- Amounts arrive as decimal strings. Lua numbers are doubles, exact up to 2^53, which the
-- TypeScript side enforces; stored values are changed with INCRBY/HINCRBY on the original
-- strings and read back as strings, so no amount is ever rounded through a double.

-- Keys outlive their logical content by this much: TTLs only collect garbage, the logic
-- itself runs on the caller's nowMs, and instance clocks may be somewhat apart.
local SLACK_MS = 60000

-- Integer-valued number to a plain decimal string (tostring would switch to exponent form).
local function fmt(x)
  return string.format('%.0f', x)
end

-- Never shortens a TTL: another request may need the key for longer.
local function extend(key, ms)
  if redis.call('PTTL', key) < ms then
    redis.call('PEXPIRE', key, fmt(ms))
  end
end

-- Spend-window bucket width: 1/60 of the window, at least one second.
local function bucket_size(window_ms)
  return math.max(1000, math.floor(window_ms / 60))
end

-- Drops leases whose expiry < now together with their holds (a hold lives exactly as long
-- as its lease) and returns the total still held.
local function purge_leases(conc_k, holds_k, now)
  local expired = redis.call('ZRANGEBYSCORE', conc_k, '-inf', '(' .. fmt(now))
  if #expired > 0 then
    for _, rid in ipairs(expired) do
      local amt = redis.call('HGET', holds_k, 'r:' .. rid)
      if amt then
        redis.call('HDEL', holds_k, 'r:' .. rid)
        if amt ~= '0' then redis.call('HINCRBY', holds_k, 'total', '-' .. amt) end
      end
    end
    redis.call('ZREMRANGEBYSCORE', conc_k, '-inf', '(' .. fmt(now))
  end
  return tonumber(redis.call('HGET', holds_k, 'total') or '0')
end

