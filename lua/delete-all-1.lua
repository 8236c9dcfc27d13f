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
local deleted = {}
local ended = {}
-- DEL is the probe: it removes a live value and says whether there was one.
scanIndex(indexKey, ended, function(id)
  count = count + 1
  deleted[count] = id
end, function(key)
  return rcall("DEL", key) == 1
end)
rcall("DEL", indexKey)
-- Stale entries (pruned by scanIndex) first, then the sessions ended here; a
-- counter, not #ended: Lua 5.1's # searches for the border on every append.
local n = #ended
for i = 1, count do
  ended[n + 1] = ENDED_DELETED
  ended[n + 2] = deleted[i]
  n = n + 2
end
return { count, ended }
