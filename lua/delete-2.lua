--[[
  Ends one session.

  Input:
    KEYS[1] value key
    KEYS[2] index key
    ARGV[1] sessionId
    ARGV[2] index grace period in milliseconds

  Output: { result, ended }
    result  1 a live session was ended, 0 there was none
    ended   the session ended here (deleted), a stale index entry pruned
            here (expired or evicted), or a value without index entry
            removed here (evicted)
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
  return { 1, { ENDED_DELETED, sessionId } }
end

-- Rare paths only, from here (see "Lua conventions" in docs/development.md).
--- @include "stale-entry"

if not recordedExpiry then
  -- Fail closed: a value without index entry is no session, but it must
  -- not survive a logout either.
  return { 0, removeOrphanValue(valueKey, sessionId) }
end
return { 0, pruneStaleEntry(indexKey, sessionId, recordedExpiry) }
