--[[
  Reads a live session and slides its expiry, in one step: what every
  authenticated request needs.

  Input:
    KEYS[1] value key
    KEYS[2] index key
    KEYS[3] rotation marker key of sessionId
    KEYS[4..] on Redis Cluster, the value keys of the subject's sessions,
              sent only after a NEED_KEYS reply (a rotated id presented)
    ARGV[1] sessionId
    ARGV[2] new ttl in milliseconds (positive integer)
    ARGV[3] minimum remaining ttl in milliseconds: while the session has at
            least this much left, nothing is written; "0": always write
    ARGV[4] index grace period in milliseconds
    ARGV[5] mode (see read-3.lua)

  Output: { session, ended }
    session { value, expiresAt } of the live session (expiresAt in ms since
            the epoch, server clock, after the touch), or false
    ended   stale index entries pruned here (expired or evicted), a value
            without index entry removed here (evicted); for a rotated id,
            the sessions revoked (deleted) and the reuse
  or { NEED_KEYS, ids } (nothing written)
]]
local rcall = redis.call
local valueKey = KEYS[1]
local indexKey = KEYS[2]
local markerKey = KEYS[3]
local sessionId = ARGV[1]
local ttlMs = tonumber(ARGV[2])
local minRemainingMs = tonumber(ARGV[3])
local graceMs = tonumber(ARGV[4])
local mode = ARGV[5]

--- @include "now-ms"

local value = rcall("GET", valueKey)
local recordedExpiry = rcall("ZSCORE", indexKey, sessionId)
local live = value and recordedExpiry
local now
if live then
  now = nowMs()
  local expiresAtMs = tonumber(recordedExpiry)
  if minRemainingMs > 0 and expiresAtMs - now >= minRemainingMs then
    return { { value, expiresAtMs }, {} }
  end
end

--- @include "ended"
--- @include "extend-index-expiry"
--- @include "prune-expired"

if live then
  -- As touch-3.lua: the value expires exactly at the time recorded in the index.
  local expiresAtMs = now + ttlMs
  local expiresAt = string.format("%d", expiresAtMs)
  rcall("PEXPIREAT", valueKey, expiresAt)
  rcall("ZADD", indexKey, "XX", expiresAt, sessionId)
  extendIndexExpiry(indexKey, expiresAtMs + graceMs)
  local ended = {}
  pruneExpired(indexKey, now, ended)
  return { { value, expiresAtMs }, ended }
end

-- Rare paths only, from here (see "Lua conventions" in docs/development.md).
--- @include "stale-entry"
--- @include "reuse"

if value then
  return { false, removeOrphanValue(valueKey, sessionId) }
end
if recordedExpiry then
  return { false, pruneStaleEntry(indexKey, sessionId, recordedExpiry) }
end
local marker = rotationOf(markerKey)
if marker then
  local ended = {}
  local needKeys = revokeOnReuse(indexKey, sessionId, marker, mode, 3, ended)
  return needKeys or { false, ended }
end
return { false, {} }
