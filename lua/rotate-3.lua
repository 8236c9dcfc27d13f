--[[
  Ends a live session and starts its successor in one step (refresh-token
  rotation, session id regeneration), remembering the old id so that a
  later use of it is detected as a reuse.

  Input:
    KEYS[1]   value key of the old session
    KEYS[2]   index key
    KEYS[3]   value key of the new session
    KEYS[4]   on Redis Cluster only: the rotation marker key of the old id
              "<prefix>:{<tag>}:r:<old id>" (see reuse.lua)
    KEYS[5..] on Redis Cluster, the value keys of the subject's sessions,
              sent only after a NEED_KEYS reply (a rotated id presented)
    ARGV[1] old sessionId
    ARGV[2] new sessionId (never the old one: the caller checks)
    ARGV[3] new value (format tag + encoded metadata), or "": keep the old
            session's
    ARGV[4] ttl of the new session in milliseconds (positive integer)
    ARGV[5] reuse-detection window in milliseconds: "0" off, "-1" what the
            old session had left, capped at ARGV[6]
    ARGV[6] longest reuse-detection window in milliseconds
    ARGV[7] index grace period in milliseconds
    ARGV[8] what a later reuse of the old id revokes: "f" its token family,
            "s" every session of the subject, "r" nothing

  Output: 1 alone when rotated and only the old session ended (see
  reply.lua: the caller reports it as rotated), or { result, ended }
    result  1 rotated (or the same rotation was already done: a retry),
            0 the old id has no live session (nothing written but pruning
            or a reuse's revocation), or SESSION_ALREADY_EXISTS: the new
            id has a live session (nothing written)
    ended   the old session (rotated) and a stale entry of the new id replaced
            (expired or evicted); for a rotated old id, the sessions
            revoked (deleted) and the reuse
  or { NEED_KEYS, ids } (nothing written)

  The new session takes the old one's place: the count of live sessions is
  unchanged, so the concurrent-session limit never refuses a rotation.
]]
local rcall = redis.call
local oldValueKey = KEYS[1]
local indexKey = KEYS[2]
local newValueKey = KEYS[3]
local oldId = ARGV[1]
local newId = ARGV[2]
local newValue = ARGV[3]
local ttlMs = tonumber(ARGV[4])
local windowMs = tonumber(ARGV[5])
local maxWindowMs = tonumber(ARGV[6])
local graceMs = tonumber(ARGV[7])
local revoke = ARGV[8]

--- @include "result-codes"
--- @include "now-ms"
--- @include "ended"
--- @include "extend-index-expiry"
--- @include "family"
--- @include "marker-key"

local value = rcall("GET", oldValueKey)
local recordedExpiry = rcall("ZSCORE", indexKey, oldId)
if value and recordedExpiry then
  local newRecorded = rcall("ZSCORE", indexKey, newId)
  if newRecorded and rcall("EXISTS", newValueKey) == 1 then
    return { SESSION_ALREADY_EXISTS, {} }
  end
  local now = nowMs()
  local expiresAtMs = now + ttlMs
  local expiresAt = string.format("%d", expiresAtMs)
  local family = familyOf(value, oldId)
  if newValue == "" then
    newValue = withoutFamily(value)
  end
  -- The new entry first: the index never empties (see insert-2.lua).
  rcall("ZADD", indexKey, expiresAt, newId)
  rcall("ZREM", indexKey, oldId)
  rcall("DEL", oldValueKey)
  rcall("SET", newValueKey, inFamily(family, newValue), "PXAT", expiresAt)
  if windowMs < 0 then
    windowMs = math.min(tonumber(recordedExpiry) - now, maxWindowMs)
  end
  if windowMs > 0 then
    rcall("SET", markerKeyOf(indexKey, oldId, 3), cmsgpack.pack({ newId, family, revoke }), "PXAT", string.format("%d", now + windowMs))
  end
  extendIndexExpiry(indexKey, expiresAtMs + graceMs)
  if newRecorded then
    return { 1, { ENDED_ROTATED, oldId, goneReason(newRecorded, now), newId } }
  end
  return 1
end

-- Rare paths only, from here (see "Lua conventions" in docs/development.md).
--- @include "stale-entry"
--- @include "reuse"

if value then
  return { 0, removeOrphanValue(oldValueKey, oldId) }
end
if recordedExpiry then
  return { 0, pruneStaleEntry(indexKey, oldId, recordedExpiry) }
end
local marker = rotationOf(markerKeyOf(indexKey, oldId, 3))
if not marker then
  return { 0, {} }
end
-- The same rotation again (its reply was lost and the client retried):
-- done already, not a reuse.
if marker[1] == newId then
  return { 1, {} }
end
return revokeOnReuse(indexKey, oldId, marker, 3, 0)
