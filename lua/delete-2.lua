--[[
  Ends one session.

  Input:
    KEYS[1] value key
    KEYS[2] index key
    ARGV[1] sessionId
    ARGV[2] index grace period in milliseconds

  Output: { result, ended }
    result  1 a live session was ended, 0 there was none
    ended   the session ended here (deleted), or a stale index entry
            pruned here (expired or evicted)
]]
local rcall = redis.call
local valueKey = KEYS[1]
local indexKey = KEYS[2]
local sessionId = ARGV[1]
local graceMs = tonumber(ARGV[2])

--- @include "now-ms"
--- @include "ended"
--- @include "fit-index-expiry"

local recordedExpiry = rcall("HGET", indexKey, sessionId)
if not recordedExpiry then
  -- Fail closed: a value without index entry is no session, but it must
  -- not survive a logout either.
  rcall("DEL", valueKey)
  return { 0, {} }
end
if rcall("DEL", valueKey) == 1 then
  rcall("HDEL", indexKey, sessionId)
  -- Only when this session bounded the index expiry is the longest remaining
  -- one looked for, so a delete stays O(1) in the common case. Both times
  -- are absolute and from the scripts' TIME readings: compared exactly.
  if rcall("PEXPIRETIME", indexKey) <= tonumber(recordedExpiry) + graceMs then
    fitIndexExpiry(indexKey, nowMs(), graceMs)
  end
  return { 1, { ENDED_DELETED, sessionId } }
end

-- Helpers of the rare paths are defined only past the common path's return:
-- a script's local functions are created anew each time it runs.
--- @include "stale-entry"

return { 0, pruneStaleEntry(indexKey, sessionId, recordedExpiry) }
