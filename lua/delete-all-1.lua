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

--- @include "delete-listed"

local flat, needKeys = listedEntries(indexKey, strict)
if needKeys then
  return needKeys
end
local deleted, ended = deleteListed(indexKey, flat, nil)
-- The index goes last, whole.
rcall("DEL", indexKey)
return deletedReply(deleted, ended)
