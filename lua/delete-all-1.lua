--[[
  Ends every session of a subject ("log out everywhere").

  Input:
    KEYS[1] index key

  Output: { count, ended }
    count   number of live sessions ended
    ended   the sessions ended here (deleted) and stale index entries
            pruned here (expired or evicted)
]]
local rcall = redis.call
local indexKey = KEYS[1]

--- @include "scan-index"

local count = 0
local ended = {}
-- DEL is the probe: it removes a live value and says whether there was one.
scanIndex(indexKey, ended, function(id)
  count = count + 1
  ended[#ended + 1] = ENDED_DELETED
  ended[#ended + 1] = id
end, function(key)
  return rcall("DEL", key) == 1
end)
rcall("DEL", indexKey)
return { count, ended }
