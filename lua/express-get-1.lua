--[[
  express-session get (src/adapters/express-session/): the session of a
  framework session id, found through its sid key, and its TTL slid by the
  slide ttl the sid key records.

  Input:
    KEYS[1] sid key "<prefix>:{sid:<sessionId>}" (see includes/sid-entry)
    ARGV[1] sessionId (the hash of the framework's session id)
    ARGV[2] "read": one server: also read and slide the logged-in session,
              whose keys are derived from the pointer;
            "sid": Redis Cluster: the sid key only (the caller reads the
              session through the storage, in the subject's slot);
            "peek": write nothing
    ARGV[3] index grace period in milliseconds

  Output: { result, ended }
    result  false                              no sid key
            { "a", value, ttl }                an anonymous session
            { "u", indexKey, ttl }             a logged-in session (modes "sid", "peek")
            { "u", indexKey, ttl, value }      a logged-in session (mode "read"):
                                               value false when it has ended
                                               (the pointer is kept: fail closed)
            ttl is the slide ttl in seconds
    ended   stale index entries pruned here (expired or evicted), or a value
            without index entry removed here (evicted): of the pointer's subject
]]
local rcall = redis.call
local sidKey = KEYS[1]
local sessionId = ARGV[1]
local mode = ARGV[2]
local graceMs = tonumber(ARGV[3])

--- @include "sid-entry"

local stored = rcall("GET", sidKey)
if not stored then
  return { false, {} }
end
local kind, ttl, payload = parseSidEntry(stored)
local ttlMs = ttl * 1000
local slide = mode ~= "peek" and ttl > 0
if kind == "a" then
  if slide then
    rcall("PEXPIRE", sidKey, ttlMs)
  end
  return { { "a", payload, ttl }, {} }
end

local indexKey = payload
if slide then
  extendPointer(sidKey, ttlMs)
end
if mode ~= "read" then
  return { { "u", indexKey, ttl }, {} }
end

--- @include "value-key"
--- @include "now-ms"
--- @include "extend-index-expiry"
--- @include "prune-expired"

-- One server: the session's keys are derived from the pointer, as the
-- subject-wide scripts derive value keys from the index key.
local valueKey = valueKeyOf(indexKey, sessionId)
local value = rcall("GET", valueKey)
local recordedExpiry = rcall("ZSCORE", indexKey, sessionId)
if value and recordedExpiry then
  local ended = {}
  if slide then
    -- As touch-2: PEXPIREAT at the instant recorded in the index.
    local now = nowMs()
    local expiresAt = string.format("%d", now + ttlMs)
    rcall("PEXPIREAT", valueKey, expiresAt)
    rcall("ZADD", indexKey, "XX", expiresAt, sessionId)
    extendIndexExpiry(indexKey, now + ttlMs + graceMs)
    pruneExpired(indexKey, now, ended)
  end
  return { { "u", indexKey, ttl, value }, ended }
end

-- Rare paths only, from here (see "Lua conventions" in docs/development.md).
--- @include "stale-entry"

if value then
  return { { "u", indexKey, ttl, false }, removeOrphanValue(valueKey, sessionId) }
end
if recordedExpiry then
  return { { "u", indexKey, ttl, false }, pruneStaleEntry(indexKey, sessionId, recordedExpiry) }
end
return { { "u", indexKey, ttl, false }, {} }
