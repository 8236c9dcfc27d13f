--[[
  Starts a session: writes its value with its TTL and its index entry in one
  atomic step, enforcing the subject's concurrent-session limit.

  Input:
    KEYS[1]  value key    "<prefix>:{<tag>}:s:<sessionId>"
    KEYS[2]  index key    "<prefix>:{<tag>}:i" (sorted set: sessionId scored by expiry, ms since epoch)
    KEYS[3..] on Redis Cluster, the value keys of the subject's other
             sessions, sent only after a NEED_KEYS reply (see declared-keys)

    ARGV[1] sessionId
    ARGV[2] value (format tag + encoded metadata)
    ARGV[3] ttl in milliseconds (positive integer)
    ARGV[4] concurrent-session limit (positive integer)
    ARGV[5] on limit: "reject" | "evict-oldest"
    ARGV[6] index grace period in milliseconds
    ARGV[7] "1": touch only declared keys (Redis Cluster), "0": one server

  Output: 0 alone when inserted and nothing ended (see reply.lua), or
  { result, ended }
    result  0 inserted, or a result code (src/scripts/result-codes.ts):
            SESSION_ALREADY_EXISTS (nothing written)
            TOO_MANY_CONCURRENT_SESSIONS (nothing written but pruned entries)
            NEED_KEYS: `ended` is then the list of ids whose value keys
              must be declared (nothing written)
    ended   flat (kind, sessionId) pairs: stale entries pruned (expired or
            evicted) and live sessions ended by "evict-oldest" (deleted)

  Cost: O(log n) in the subject's n entries while the subject has fewer
  entries with an expiry not past than the limit; at the limit, one EXISTS
  per such entry (at most the limit plus the entries of sessions deleted from
  outside and not yet cleaned up).
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
local strict = ARGV[7] == "1"

--- @include "result-codes"
--- @include "now-ms"
--- @include "ended"
--- @include "extend-index-expiry"
--- @include "prune-expired"
--- @include "reply"

local now = nowMs()
-- PXAT, not PX: Redis 7.0 counts PX from the clock at the SET, which runs
-- after the limit check; the value must expire exactly at the recorded time.
local expiresAt = string.format("%d", now + ttlMs)
-- Every live session has an entry whose expiry is not past (a value stays
-- until the millisecond after its expiry), so fewer such entries than the
-- limit proves there is room without looking at any value. ZCOUNT is also
-- the first call: on an index key written from outside as another type it
-- fails before anything is written.
local pending = rcall("ZCOUNT", indexKey, string.format("%d", now), "+inf")

-- Common path: room, and ZADD NX adds this id's entry (it had none). The
-- entry comes first: the removals after it can then never empty the index,
-- which Redis would delete, and a script must not touch a key it deleted
-- (while the subject's slot migrates, Redis Cluster fails the script
-- there: the key is no longer "local"). A value without its entry is not a
-- session (reads fail closed), and SET replaces it.
if pending < limit and rcall("ZADD", indexKey, "NX", expiresAt, sessionId) == 1 then
  local ended = {}
  pruneExpired(indexKey, now, ended)
  rcall("SET", valueKey, value, "PXAT", expiresAt)
  extendIndexExpiry(indexKey, now + ttlMs + graceMs)
  return replyOf(0, ended)
end

-- Rare paths only, from here (see "Lua conventions" in docs/development.md).
-- The id has an entry (a live duplicate, or a session that ended), or the
-- subject is at the limit. Nothing is written yet. The value is only looked
-- at when the index has an entry.
local recordedExpiry = rcall("ZSCORE", indexKey, sessionId)
if recordedExpiry and rcall("EXISTS", valueKey) == 1 then
  return { SESSION_ALREADY_EXISTS, {} }
end
if recordedExpiry and tonumber(recordedExpiry) >= now then
  pending = pending - 1 -- this id's own entry, whose value is gone
end
local ended = {}

if pending < limit then
  -- ZADD replaces this id's entry of an ended session, reported here.
  rcall("ZADD", indexKey, expiresAt, sessionId)
  if recordedExpiry then
    ended[1] = goneReason(recordedExpiry, now)
    ended[2] = sessionId
  end
  pruneExpired(indexKey, now, ended)
  rcall("SET", valueKey, value, "PXAT", expiresAt)
  extendIndexExpiry(indexKey, now + ttlMs + graceMs)
  return { 0, ended }
end

--- @include "declared-keys"

-- At the limit: the entries whose expiry is not past are looked at in the order
-- they expire (ties by id), so "evict-oldest" ends the first live ones.
-- Everything is read and decided before the first write, so a NEED_KEYS
-- reply leaves nothing written.
local flat = rcall("ZRANGEBYSCORE", indexKey, string.format("%d", now), "+inf", "WITHSCORES")
local candidates = {}
local expiries = {}
for i = 1, #flat, 2 do
  candidates[#candidates + 1] = flat[i]
  expiries[flat[i]] = flat[i + 1]
end
local probe = probeIds(indexKey, candidates, strict, 2)
if not probe then
  return { NEED_KEYS, candidates }
end
local live = {}
local gone = {}
for i = 1, #candidates do
  local id = candidates[i]
  if id ~= sessionId then
    local key = probe[id]
    -- On a cluster, an id the caller did not declare was inserted since it
    -- listed the index (less than a round trip ago): counted as live, the
    -- safe side of the limit, without looking at its value.
    if key == false or rcall("EXISTS", key) == 1 then
      live[#live + 1] = id
    else
      gone[#gone + 1] = id
    end
  end
end
local evict = 0
if #live >= limit then
  if evictOldest then
    evict = #live - limit + 1
    for i = 1, evict do
      if probe[live[i]] == false then
        return { NEED_KEYS, candidates }
      end
    end
  end
end

local rejected = #live >= limit and not evictOldest
-- Rejected, the index keeps at least `limit` live entries through the
-- removals below; inserting, it keeps this session's.
if rejected then
  if recordedExpiry then
    rcall("ZREM", indexKey, sessionId)
  end
else
  rcall("ZADD", indexKey, expiresAt, sessionId)
end
if recordedExpiry then
  ended[1] = goneReason(recordedExpiry, now)
  ended[2] = sessionId
end
local n = #ended
for i = 1, #gone do
  rcall("ZREM", indexKey, gone[i])
  ended[n + 1] = goneReason(expiries[gone[i]], now)
  ended[n + 2] = gone[i]
  n = n + 2
end
pruneExpired(indexKey, now, ended)
if rejected then
  return { TOO_MANY_CONCURRENT_SESSIONS, ended }
end
n = #ended
for i = 1, evict do
  rcall("DEL", probe[live[i]])
  rcall("ZREM", indexKey, live[i])
  ended[n + 1] = ENDED_DELETED
  ended[n + 2] = live[i]
  n = n + 2
end

rcall("SET", valueKey, value, "PXAT", expiresAt)
extendIndexExpiry(indexKey, now + ttlMs + graceMs)
return { 0, ended }
