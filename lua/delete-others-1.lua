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

--- @include "delete-listed"

local flat, needKeys = listedEntries(indexKey, strict)
if needKeys then
  return needKeys
end
local deleted, ended = deleteListed(indexKey, flat, keepId)
-- The ZREMs may empty the index (when the kept id has no entry): nothing
-- touches it after them. One ZREM per thousand ids (unpack stays far below
-- Lua's stack limit).
for first = 1, #deleted, 1000 do
  rcall("ZREM", indexKey, unpack(deleted, first, math.min(first + 999, #deleted)))
end
return deletedReply(deleted, ended)
