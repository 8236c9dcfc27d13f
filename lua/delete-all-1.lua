--[[
  Ends every session of a subject ("log out everywhere").

  Input:
    KEYS[1]   index key
    KEYS[2..] on Redis Cluster, the value keys of the subject's sessions,
              sent only after a NEED_KEYS reply (see declared-keys)
    ARGV[1]   "1": touch only declared keys (Redis Cluster), "0": one server

  Output: the ids of the sessions ended here alone when no stale entry was
  pruned (see reply.lua), or { count, ended }
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

local flat, needKeys = listedEntries(indexKey, strict)
if needKeys then
  return needKeys
end
local base = valueKeyBase(indexKey)
local count = 0
local deleted = {}
local ended = {}
local clock = {}
-- DEL is the probe: it removes a live value and says whether there was one.
-- The index goes last, whole.
for i = 1, #flat, 2 do
  if rcall("DEL", base .. flat[i]) == 1 then
    count = count + 1
    deleted[count] = flat[i]
  else
    pruneGone(indexKey, flat[i], flat[i + 1], ended, clock)
  end
end
rcall("DEL", indexKey)
-- Stale entries first, then the sessions ended here.
-- Nothing stale: the ids alone (see reply.lua), which the caller reports as deleted.
if #ended == 0 then
  return deleted
end
local n = #ended
for i = 1, count do
  ended[n + 1] = ENDED_DELETED
  ended[n + 2] = deleted[i]
  n = n + 2
end
return { count, ended }
