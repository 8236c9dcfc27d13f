--[[
  Ends every session of a subject but one ("log out other devices").

  Input:
    KEYS[1]   index key
    KEYS[2..] on Redis Cluster, the value keys of the subject's sessions,
              sent only after a NEED_KEYS reply (see declared-keys)
    ARGV[1]   the sessionId to keep (untouched, live or not)
    ARGV[2]   "1": touch only declared keys (Redis Cluster), "0": one server

  Output: the ids of the sessions ended here alone when no stale entry was
  pruned (see reply.lua), or { count, ended }
    count   number of live sessions ended, or NEED_KEYS: `ended` is then
            the list of ids whose value keys must be declared (nothing
            written)
    ended   the sessions ended here (deleted) and stale index entries
            pruned here (expired or evicted)
]]
local rcall = redis.call
local indexKey = KEYS[1]
local keepId = ARGV[1]
local strict = ARGV[2] == "1"

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
-- DEL is the probe, as in delete-all-1.lua. The ZREMs may empty the index
-- (when the kept id has no entry): nothing touches it after them, and a
-- stale entry's ZREM comes while the entries of the sessions deleted here
-- still hold it up.
for i = 1, #flat, 2 do
  local id = flat[i]
  if id ~= keepId then
    if rcall("DEL", base .. id) == 1 then
      count = count + 1
      deleted[count] = id
    else
      pruneGone(indexKey, id, flat[i + 1], ended, clock)
    end
  end
end
-- One ZREM per thousand ids (unpack stays far below Lua's stack limit).
for first = 1, count, 1000 do
  rcall("ZREM", indexKey, unpack(deleted, first, math.min(first + 999, count)))
end
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
