--[[
  Reads every live session of a subject.

  Input:
    KEYS[1] index key

  Output: { sessions, ended }
    sessions  flat (sessionId, value) pairs of the live sessions
    ended     stale index entries pruned here (expired or evicted)
]]
local rcall = redis.call
local indexKey = KEYS[1]

--- @include "scan-index"

local sessions = {}
local n = 0 -- a counter, not #sessions: Lua 5.1's # searches for the border on every append
local ended = {}
-- GET is the probe: a value that exists is read in the same call.
scanIndex(indexKey, ended, function(id, _, _, value)
  sessions[n + 1] = id
  sessions[n + 2] = value
  n = n + 2
end, function(key)
  return rcall("GET", key)
end)
return { sessions, ended }
