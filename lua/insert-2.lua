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

--- @include "scan-index"
--- @include "index-ttl"

local now = nowMs()
local ended = {}

-- The value is only looked at when the index has an entry: a value without
-- its index entry is not a session (reads fail closed) and the SET below
-- replaces it, so a fresh sessionId costs no EXISTS.
local recordedExpiry = rcall("HGET", indexKey, sessionId)
if recordedExpiry then
  if rcall("EXISTS", valueKey) == 1 then
    return { -1, ended }
  end
  rcall("HDEL", indexKey, sessionId)
  ended[#ended + 1] = goneReason(recordedExpiry, now)
  ended[#ended + 1] = sessionId
end

-- With a limit, the live sessions must be counted, so the whole index is
-- read. Without one, insert stays O(1), except that every 64th entry it
-- sweeps the index: stale entries (notifications off or missed, and no
-- readAll/count) can then never pile up beyond 64 per subject, at an
-- amortised cost of one check per session.
local sweep = limit > 0 or (rcall("HLEN", indexKey) + 1) % 64 == 0
if sweep then
  local live = {}
  local expiries = {}
  scanIndex(indexKey, ended, function(id, _, expiresAt)
    live[#live + 1] = id
    expiries[id] = expiresAt
  end)
  if limit > 0 and #live >= limit then
    if not evictOldest then
      return { -2, ended }
    end
    -- Ends the sessions that would expire first; ties broken by id so the
    -- choice does not depend on hash iteration order.
    table.sort(live, function(a, b)
      if expiries[a] == expiries[b] then return a < b end
      return expiries[a] < expiries[b]
    end)
    for i = 1, #live - limit + 1 do
      rcall("DEL", valueKeyOf(indexKey, live[i]))
      rcall("HDEL", indexKey, live[i])
      ended[#ended + 1] = ENDED_DELETED
      ended[#ended + 1] = live[i]
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
