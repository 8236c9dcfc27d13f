--[[
  express-session get (src/adapters/express-session/): the session of a
  framework session id, found through its sid key, and slid by the slide
  ttl the sid key records. On one server a logged-in session is read and
  slid here too, as read-and-touch-2 does, in the same round trip.

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

  Output: one string when nothing ended (see reply.lua), else { string, ended }:
    "a<ttl>:<value>"          the sid key's entry: an anonymous session
    "u<ttl>:<indexKey>"       the sid key's entry: a logged-in session not read
                              here (modes "sid", "peek"), or not live (mode
                              "read": the caller asks the storage, whose read
                              prunes, reports and tells a reused rotated id)
    "r<n>:<entry><value>"     mode "read": the sid key's entry ("u...", n bytes)
                              and the live session's value, slid
    (ttl: the slide ttl in seconds.) Strings, not tables: a reply table costs
    Redis more than a read.
  or { false, {} }: no sid key
    ended   stale index entries pruned by the slide: of the pointer's subject
]]
local rcall = redis.call
local sidKey = KEYS[1]
local mode = ARGV[2]

-- The entry is parsed here rather than by sid-entry's parseSidEntry, and the
-- expiry helpers are written out: a script's local functions are created
-- anew at each run, and this one runs at every request.
local stored = rcall("GET", sidKey)
if not stored then
  return { false, {} }
end
local ttlMs = tonumber(string.sub(stored, 2, 11)) * 1000
local slide = ttlMs > 0 and mode ~= "peek"
if string.byte(stored, 1) == 97 then -- "a": an anonymous session
  if slide then
    local t = rcall("TIME")
    rcall("PEXPIREAT", sidKey, string.format("%d", tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + ttlMs))
  end
  return stored
end
if mode ~= "read" then
  -- The session's expiry is not at hand: the pointer's own rule (sid-entry).
  if slide and rcall("PTTL", sidKey) < 1.5 * ttlMs then
    local t = rcall("TIME")
    rcall("PEXPIREAT", sidKey, string.format("%d", tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + 2 * ttlMs))
  end
  return stored
end

--- @include "value-key"

local sessionId = ARGV[1]
local indexKey = string.sub(stored, 13)
local valueKey = valueKeyOf(indexKey, sessionId)
local value = rcall("GET", valueKey)
local recordedExpiry = rcall("ZSCORE", indexKey, sessionId)
if not (value and recordedExpiry) then
  return stored
end
local read = "r" .. #stored .. ":" .. stored .. value
if not slide then
  return read
end

--- @include "now-ms"

local now = nowMs()
local expiresAtMs = now + ttlMs
local slideIntervalMs = tonumber(ARGV[3])
if slideIntervalMs > 0 and expiresAtMs - tonumber(recordedExpiry) < slideIntervalMs then
  return read
end

--- @include "extend-index-expiry"
--- @include "prune-expired"
--- @include "reply"

-- As read-and-touch-2: the value expires exactly at the time recorded in
-- the index. The pointer outlives it by a ttl (sid-entry).
local expiresAt = string.format("%d", expiresAtMs)
rcall("PEXPIREAT", valueKey, expiresAt)
rcall("ZADD", indexKey, "XX", expiresAt, sessionId)
extendIndexExpiry(indexKey, expiresAtMs + tonumber(ARGV[4]))
rcall("PEXPIREAT", sidKey, string.format("%d", expiresAtMs + ttlMs))
local ended = {}
pruneExpired(indexKey, now, ended)
return replyOf(read, ended)
