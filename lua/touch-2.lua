--[[
  Resets a live session's TTL (sliding expiration).

  Input:
    KEYS[1] value key
    KEYS[2] index key
    ARGV[1] sessionId
    ARGV[2] new ttl in milliseconds (positive integer)
    ARGV[3] index grace period in milliseconds

  Output: { result, ended }
    result  1 TTL reset, 0 no live session (nothing written)
    ended   stale index entries pruned here (expired or evicted)
]]
local rcall = redis.call
local valueKey = KEYS[1]
local indexKey = KEYS[2]
local sessionId = ARGV[1]
local ttlMs = tonumber(ARGV[2])
local graceMs = tonumber(ARGV[3])

--- @include "now-ms"
--- @include "extend-index-expiry"
--- @include "prune-expired"

-- ZSCORE before any write: it tells an entry from none, keeps the recorded
-- expiry for the report below, and fails (on an index key written from
-- outside as another type) before anything is written.
local recordedExpiry = rcall("ZSCORE", indexKey, sessionId)
if not recordedExpiry then
  return { 0, {} }
end
-- PEXPIREAT with the time recorded in the index, so the value expires
-- exactly when its entry says (a relative PEXPIRE counts from the command's
-- own clock).
local now = nowMs()
local expiresAtMs = now + ttlMs
local expiresAt = string.format("%d", expiresAtMs)
if rcall("PEXPIREAT", valueKey, expiresAt) == 1 then
  rcall("ZADD", indexKey, "XX", expiresAt, sessionId)
  extendIndexExpiry(indexKey, expiresAtMs + graceMs)
  -- A subject that is only ever touched must shed its ended entries too.
  local ended = {}
  pruneExpired(indexKey, now, ended)
  return { 1, ended }
end

-- Rare paths only, from here (see "Lua conventions" in docs/development.md).
--- @include "stale-entry"

return { 0, pruneStaleEntry(indexKey, sessionId, recordedExpiry) }
