--[[
  Reads one session's value. Fails closed: the session exists only while
  both its value and its index entry exist.

  Input:
    KEYS[1] value key
    KEYS[2] index key
    KEYS[3] rotation marker key of sessionId "<prefix>:{<tag>}:r:<sessionId>"
    KEYS[4..] on Redis Cluster, the value keys of the subject's sessions,
              sent only after a NEED_KEYS reply (a rotated id presented)
    ARGV[1] sessionId
    ARGV[2] mode: strict ("1" cluster, "0" one server) and what a reuse
            revokes ("f" family, "s" subject, "r" nothing), e.g. "0f"

  Output: { value | false, ended }
    value   the stored value, false when there is no live session
    ended   a stale index entry pruned here (expired or evicted), a value
            without index entry removed here (evicted), or, for a rotated
            id (a reuse), the sessions revoked here (deleted) and the reuse
  or { NEED_KEYS, ids } (nothing written)

  A value without index entry (index evicted or deleted from outside) is
  deleted: otherwise it would be a session that deleteAll cannot see.
]]
local rcall = redis.call
local valueKey = KEYS[1]
local indexKey = KEYS[2]
local markerKey = KEYS[3]
local sessionId = ARGV[1]
local mode = ARGV[2]

local value = rcall("GET", valueKey)
local recordedExpiry = rcall("ZSCORE", indexKey, sessionId)
if value and recordedExpiry then
  return { value, {} }
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
