--[[
  Starts a session: writes its value with its TTL and its index entry in one
  atomic step, enforcing the subject's concurrent-session limit.

  Input:
    KEYS[1] value key    "<prefix>:{<tag>}:s:<sessionId>"
    KEYS[2] index key    "<prefix>:{<tag>}:i" (hash: sessionId -> expiry, ms since epoch)

    ARGV[1] sessionId
    ARGV[2] value (format tag + encoded metadata)
    ARGV[3] ttl in milliseconds (positive integer)
    ARGV[4] concurrent-session limit (0 = no limit)
    ARGV[5] on limit: "reject" | "evict-oldest"
    ARGV[6] index grace period in milliseconds

  Output: { result, ended }
    result  0 inserted
           -1 SESSION_ALREADY_EXISTS (nothing written)
           -2 TOO_MANY_CONCURRENT_SESSIONS (nothing written but pruned entries)
    ended   flat (kind, sessionId) pairs: stale entries pruned (expired or
            evicted) and live sessions ended by "evict-oldest" (deleted)

  Only with a limit does insert read the whole index (O(sessions of the
  subject)); without one it is O(1), whatever the number of sessions.
]]
local rcall = redis.call
local valueKey = KEYS[1]
local indexKey = KEYS[2]
local sessionId = ARGV[1]
local value = ARGV[2]
local ttlMs = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local evictOldest = ARGV[5] == "evict-oldest"
local graceMs = tonumber(ARGV[6])

--- @include "now-ms"
--- @include "value-key"
--- @include "ended"
--- @include "index-ttl"

local now = nowMs()
local ended = {}

local recordedExpiry = rcall("HGET", indexKey, sessionId)
if rcall("EXISTS", valueKey) == 1 then
  if recordedExpiry then
    return { -1, ended }
  end
  -- A value without its index entry is not a session (reads fail closed);
  -- the SET below replaces it.
elseif recordedExpiry then
  rcall("HDEL", indexKey, sessionId)
  ended[#ended + 1] = goneReason(recordedExpiry, now)
  ended[#ended + 1] = sessionId
end

if limit > 0 then
  local entries = rcall("HGETALL", indexKey)
  local live = {}
  for i = 1, #entries, 2 do
    local id = entries[i]
    if rcall("EXISTS", valueKeyOf(indexKey, id)) == 1 then
      live[#live + 1] = { id = id, expiresAt = tonumber(entries[i + 1]) }
    else
      rcall("HDEL", indexKey, id)
      ended[#ended + 1] = goneReason(entries[i + 1], now)
      ended[#ended + 1] = id
    end
  end
  if #live >= limit then
    if not evictOldest then
      return { -2, ended }
    end
    -- Ends the sessions that would expire first; ties broken by id so the
    -- choice does not depend on hash iteration order.
    table.sort(live, function(a, b)
      if a.expiresAt == b.expiresAt then return a.id < b.id end
      return a.expiresAt < b.expiresAt
    end)
    for i = 1, #live - limit + 1 do
      rcall("DEL", valueKeyOf(indexKey, live[i].id))
      rcall("HDEL", indexKey, live[i].id)
      ended[#ended + 1] = ENDED_DELETED
      ended[#ended + 1] = live[i].id
    end
  end
end

-- PXAT, not PX: Redis 7.0 counts PX from the clock at the SET, which runs
-- after the limit check; the value must expire exactly at the recorded time.
local expiresAt = string.format("%d", now + ttlMs)
rcall("SET", valueKey, value, "PXAT", expiresAt)
rcall("HSET", indexKey, sessionId, expiresAt)
extendIndexTtl(indexKey, ttlMs + graceMs)
return { 0, ended }
