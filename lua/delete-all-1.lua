--[[
  Ends every session of a subject ("log out everywhere").

  Input:
    KEYS[1]   index key
    KEYS[2..] on Redis Cluster, the value keys of the subject's sessions,
              sent only after a NEED_KEYS reply (see declared-keys)
    ARGV[1]   "1": touch only declared keys (Redis Cluster), "0": one server

  Output: { count, ended }
    count   number of live sessions ended, or NEED_KEYS: `ended` is
            then the list of ids whose value keys must be declared (nothing
            written)
    ended   the sessions ended here (deleted) and stale index entries
            pruned here (expired or evicted)
]]
local rcall = redis.call
local indexKey = KEYS[1]
local strict = ARGV[1] == "1"

--- @include "index-entries"

local ids, expiries, needKeys = listedEntries(indexKey, strict)
if needKeys then
  return needKeys
end
local count = 0
local deleted = {}
local ended = {}
-- DEL is the probe: it removes a live value and says whether there was one.
probeEntries(indexKey, ids, expiries, ended, function(id)
  count = count + 1
  deleted[count] = id
end, function(key)
  return rcall("DEL", key) == 1
end)
rcall("DEL", indexKey)
-- Stale entries (pruned by probeEntries) first, then the sessions ended here.
local n = #ended
for i = 1, count do
  ended[n + 1] = ENDED_DELETED
  ended[n + 2] = deleted[i]
  n = n + 2
end
return { count, ended }
