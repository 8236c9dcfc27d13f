--[[
  Reads one session's value. Fails closed: the session exists only while
  both its value and its index entry exist.

  Input:
    KEYS[1] value key
    KEYS[2] index key
    KEYS[3]   on Redis Cluster only: the rotation marker key of sessionId
              "<prefix>:{<tag>}:r:<sessionId>" (see reuse.lua)
    KEYS[4..] on Redis Cluster, the value keys of the subject's sessions,
              sent only after a NEED_KEYS reply (a rotated id presented)
    ARGV[1] sessionId

  Output: the stored value of a live session, alone (see reply.lua), or
  { value | false, ended }
    value   false when there is no live session
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
local sessionId = ARGV[1]

local value = rcall("GET", valueKey)
local recordedExpiry = rcall("ZSCORE", indexKey, sessionId)
if value and recordedExpiry then
  return value
end

-- Rare paths only, from here (see "Lua conventions" in docs/development.md).
--- @include "no-live-session"

if value then
  return { false, removeOrphanValue(valueKey, sessionId) }
end
return noLiveSession(indexKey, sessionId, recordedExpiry, 2, false) or { false, {} }
