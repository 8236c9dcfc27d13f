--[[
  Counts the live sessions of a subject.

  Input:
    KEYS[1] index key

  Output: { count, ended }
    count   number of live sessions
    ended   stale index entries pruned here (expired or evicted)
]]
local rcall = redis.call
local indexKey = KEYS[1]

--- @include "scan-index"

local count = 0
local ended = {}
scanIndex(indexKey, ended, function()
  count = count + 1
end)
return { count, ended }
