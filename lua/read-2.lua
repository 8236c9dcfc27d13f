--[[
  Reads one session's value. Fails closed: the session exists only while
  both its value and its index entry exist.

  Input:
    KEYS[1] value key
    KEYS[2] index key
    ARGV[1] sessionId

  Output: { value | nil, ended }
    value   the stored value, nil when there is no live session
    ended   a stale index entry pruned here (expired or evicted), or a
            value without index entry removed here (evicted)

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
  return { value, {} }
end

-- Rare paths only, from here (see "Lua conventions" in docs/development.md).
--- @include "stale-entry"

if value then
  return { false, removeOrphanValue(valueKey, sessionId) }
end
if recordedExpiry then
  return { false, pruneStaleEntry(indexKey, sessionId, recordedExpiry) }
end
return { false, {} }
