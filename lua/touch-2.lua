--[[
  Resets a live session's TTL (sliding expiration).

  Input:
    KEYS[1] value key
    KEYS[2] index key
    KEYS[3]   on Redis Cluster only: the rotation marker key of sessionId
    KEYS[4..] on Redis Cluster, the value keys of the subject's sessions,
              sent only after a NEED_KEYS reply (a rotated id presented)
    ARGV[1] sessionId
    ARGV[2] new ttl in milliseconds (positive integer)
    ARGV[3] index grace period in milliseconds

  Output: 1 alone when the TTL was reset and nothing ended (see reply.lua),
  or { result, ended }
    result  1 TTL reset, 0 no live session (nothing written but pruning
            or a reuse's revocation)
    ended   stale index entries pruned here (expired or evicted); for a
            rotated id, the sessions revoked (deleted) and the reuse
  or { NEED_KEYS, ids } (nothing written)
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
--- @include "reply"

-- ZSCORE before any write: it tells an entry from none, keeps the recorded
-- expiry for the report below, and fails (on an index key written from
-- outside as another type) before anything is written.
local recordedExpiry = rcall("ZSCORE", indexKey, sessionId)
if recordedExpiry then
  -- PEXPIREAT with the time recorded in the index, so the value expires
  -- exactly when its entry says (a relative PEXPIRE counts from the
  -- command's own clock).
  local now = nowMs()
  local expiresAtMs = now + ttlMs
  local expiresAt = string.format("%d", expiresAtMs)
  if rcall("PEXPIREAT", valueKey, expiresAt) == 1 then
    rcall("ZADD", indexKey, "XX", expiresAt, sessionId)
    extendIndexExpiry(indexKey, expiresAtMs + graceMs)
    -- A subject that is only ever touched must shed its ended entries too.
    local ended = {}
    pruneExpired(indexKey, now, ended)
    return replyOf(1, ended)
  end
end

-- Rare paths only, from here (see "Lua conventions" in docs/development.md).
--- @include "no-live-session"

return noLiveSession(indexKey, sessionId, recordedExpiry, 2, 0) or { 0, {} }
