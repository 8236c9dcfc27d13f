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
local ended = {}
-- GET is the probe: a value that exists is read in the same call.
scanIndex(indexKey, ended, function(id, _, _, value)
  sessions[#sessions + 1] = id
  sessions[#sessions + 1] = value
end, function(key)
  return rcall("GET", key)
end)
return { sessions, ended }
