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

--- @include "now-ms"
--- @include "ended"
--- @include "extend-index-expiry"

local now = nowMs()
-- PXAT, not PX: Redis 7.0 counts PX from the clock at the SET, which runs
-- after the limit check; the value must expire exactly at the recorded time.
local expiresAt = string.format("%d", now + ttlMs)
local ended = {}

-- Without a limit nothing has to be counted before writing, so insert writes
-- first and reads the replies: a fresh sessionId costs no lookup. HSETNX
-- goes first because it is the one call here that can fail (an index key
-- written from outside as another type), and then it fails before anything
-- is written.
if limit == 0 then
  local added = rcall("HSETNX", indexKey, sessionId, expiresAt) == 1
  if added then
    -- No entry, so no session, whatever the value key holds (reads fail
    -- closed): SET replaces a value left without its entry.
    rcall("SET", valueKey, value, "PXAT", expiresAt)
  elseif rcall("SET", valueKey, value, "NX", "PXAT", expiresAt) then
    -- The entry of an ended session (its value was gone): reported here,
    -- once, and given the new expiry.
    ended[1] = goneReason(rcall("HGET", indexKey, sessionId), now)
    ended[2] = sessionId
    rcall("HSET", indexKey, sessionId, expiresAt)
  else
    -- Entry and value: a live session, left untouched.
    return { -1, ended }
  end
  local entries = rcall("HLEN", indexKey)
  if added and entries == 1 then
    -- HSETNX added the only entry, so it created the index (Redis deletes
    -- an emptied hash): it has no expiry yet, and one PEXPIREAT sets it. A
    -- subject's first session, the common login, skips the GT/PTTL probe.
    rcall("PEXPIREAT", indexKey, string.format("%d", now + ttlMs + graceMs))
  else
    extendIndexExpiry(indexKey, now + ttlMs + graceMs)
  end
  -- Every 64th entry the index is swept: stale entries (notifications off
  -- or missed, and no readAll/count) can then never pile up beyond 64 per
  -- subject, at an amortised cost of one check per session.
  if entries % 64 ~= 0 then
    return { 0, ended }
  end
end

-- Helpers of the rare paths are defined only past the common path's return:
-- a script's local functions are created anew each time it runs.
--- @include "scan-index"

if limit == 0 then
  scanIndex(indexKey, ended, function() end)
  return { 0, ended }
end

-- With a limit, the live sessions are counted before anything is written.
-- The value is only looked at when the index has an entry: a value without
-- its index entry is not a session (reads fail closed) and the SET below
-- replaces it.
local recordedExpiry = rcall("HGET", indexKey, sessionId)
if recordedExpiry then
  if rcall("EXISTS", valueKey) == 1 then
    return { -1, ended }
  end
  rcall("HDEL", indexKey, sessionId)
  ended[#ended + 1] = goneReason(recordedExpiry, now)
  ended[#ended + 1] = sessionId
end

local live = {}
local expiries = {}
scanIndex(indexKey, ended, function(id, _, expiresAtMs)
  live[#live + 1] = id
  expiries[id] = expiresAtMs
end)
if #live >= limit then
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

rcall("SET", valueKey, value, "PXAT", expiresAt)
rcall("HSET", indexKey, sessionId, expiresAt)
extendIndexExpiry(indexKey, now + ttlMs + graceMs)
return { 0, ended }
