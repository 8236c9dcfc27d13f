--[[
  Ends every session of a subject but one ("log out other devices").

  Input:
    KEYS[1]   index key
    KEYS[2..] on Redis Cluster, the value keys of the subject's sessions,
              sent only after a NEED_KEYS reply (see declared-keys)
    ARGV[1]   the sessionId to keep (untouched, live or not)
    ARGV[2]   "1": touch only declared keys (Redis Cluster), "0": one server

  Output: { count, ended }
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

local ids, expiries, needKeys = listedEntries(indexKey, strict)
if needKeys then
  return needKeys
end
local others = {}
local otherExpiries = {}
for i = 1, #ids do
  if ids[i] ~= keepId then
    others[#others + 1] = ids[i]
    otherExpiries[#otherExpiries + 1] = expiries[i]
  end
end
local count = 0
local deleted = {}
local ended = {}
-- DEL is the probe, as in delete-all-1.lua. The ZREMs may empty the index
-- (when the kept id has no entry); nothing touches it after them.
probeEntries(indexKey, others, otherExpiries, ended, function(id)
  count = count + 1
  deleted[count] = id
end, function(key)
  return rcall("DEL", key) == 1
end)
-- One ZREM per thousand ids (unpack stays far below Lua's stack limit).
for first = 1, count, 1000 do
  rcall("ZREM", indexKey, unpack(deleted, first, math.min(first + 999, count)))
end
local n = #ended
for i = 1, count do
  ended[n + 1] = ENDED_DELETED
  ended[n + 2] = deleted[i]
  n = n + 2
end
return { count, ended }
