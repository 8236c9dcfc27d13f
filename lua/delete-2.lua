--[[
  Ends one session.

  Input:
    KEYS[1] value key
    KEYS[2] index key
    KEYS[3]   on Redis Cluster only: the rotation marker key of sessionId
    KEYS[4..] on Redis Cluster, the value keys of the subject's sessions,
              sent only after a NEED_KEYS reply (a rotated id presented)
    ARGV[1] sessionId
    ARGV[2] index grace period in milliseconds

  Output: 1 alone when the live session was ended (see reply.lua: the
  caller reports it as deleted), or { result, ended }
    result  1 a live session was ended, 0 there was none
    ended   a stale index entry pruned
            here (expired or evicted), or a value without index entry
            removed here (evicted); for a rotated id, the sessions revoked
            (deleted) and the reuse
  or { NEED_KEYS, ids } (nothing written)
]]
local rcall = redis.call
local valueKey = KEYS[1]
local indexKey = KEYS[2]
local sessionId = ARGV[1]
local graceMs = tonumber(ARGV[2])

--- @include "ended"
--- @include "fit-index-expiry"

local recordedExpiry = rcall("ZSCORE", indexKey, sessionId)
if recordedExpiry and rcall("DEL", valueKey) == 1 then
  local longest = longestTwo(indexKey)
  rcall("ZREM", indexKey, sessionId)
  fitIndexExpiry(indexKey, longest, sessionId, graceMs)
  return 1
end

-- Rare paths only, from here (see "Lua conventions" in docs/development.md).
--- @include "no-live-session"

-- Fail closed: a value without index entry is no session, but it must not
-- survive a logout either.
return noLiveSession(indexKey, sessionId, recordedExpiry, 2, 0) or { 0, removeOrphanValue(valueKey, sessionId) }
