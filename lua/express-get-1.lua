--[[
  express-session get (src/adapters/express-session/): the session of a
  framework session id, found through its sid key, and slid by the slide
  ttl the sid key records. On one server a logged-in session is read and
  slid here too, as read-and-touch-3 does, in the same round trip.

  Input:
    KEYS[1] sid key "<prefix>:{sid:<sessionId>}" (see includes/sid-entry)
    ARGV[1] sessionId (the hash of the framework's session id)
    ARGV[2] "read": one server: also read and slide the logged-in session,
              whose keys are derived from the pointer (as the subject-wide
              scripts derive value keys from the index key);
            "sid": Redis Cluster: the sid key only (the caller reads the
              session through the storage, in the subject's slot);
            "peek": write nothing
    ARGV[3] slide interval in milliseconds: a logged-in session is not slid
            while its expiry is less than this much behind a full slide;
            "0": always slide
    ARGV[4] index grace period in milliseconds

  Output: { result, ended }
    result  false                          no sid key
            { "a", value, ttl }            an anonymous session
            { "u", indexKey, ttl, value }  a live logged-in session (mode "read"), slid
            { "u", indexKey, ttl }         a logged-in session not read here (modes
                                           "sid", "peek"), or not live (mode "read"):
                                           the caller asks the storage, whose read
                                           prunes, reports and tells a reused id
            ttl is the slide ttl in seconds
    ended   stale index entries pruned by the slide: of the pointer's subject
]]
local rcall = redis.call
local sidKey = KEYS[1]
local sessionId = ARGV[1]
local mode = ARGV[2]
local slideIntervalMs = tonumber(ARGV[3])
local graceMs = tonumber(ARGV[4])

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
    expireIn(sidKey, ttlMs)
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

local valueKey = valueKeyOf(indexKey, sessionId)
local value = rcall("GET", valueKey)
local recordedExpiry = rcall("ZSCORE", indexKey, sessionId)
if not (value and recordedExpiry) then
  return { { "u", indexKey, ttl }, {} }
end
if not slide then
  return { { "u", indexKey, ttl, value }, {} }
end
local now = nowMs()
local expiresAtMs = now + ttlMs
if slideIntervalMs > 0 and expiresAtMs - tonumber(recordedExpiry) < slideIntervalMs then
  return { { "u", indexKey, ttl, value }, {} }
end

--- @include "extend-index-expiry"
--- @include "prune-expired"

-- As read-and-touch-3: the value expires exactly at the time recorded in the index.
local expiresAt = string.format("%d", expiresAtMs)
rcall("PEXPIREAT", valueKey, expiresAt)
rcall("ZADD", indexKey, "XX", expiresAt, sessionId)
extendIndexExpiry(indexKey, expiresAtMs + graceMs)
local ended = {}
pruneExpired(indexKey, now, ended)
return { { "u", indexKey, ttl, value }, ended }
