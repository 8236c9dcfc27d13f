--[[
  Counts the live sessions of a subject.

  Input:
    KEYS[1]   index key
    KEYS[2..] on Redis Cluster, the value keys of the subject's sessions,
              sent only after a NEED_KEYS reply (see declared-keys)
    ARGV[1]   "1": touch only declared keys (Redis Cluster), "0": one server

  Output: the count alone when nothing ended (see reply.lua), or
  { count, ended }
    count   number of live sessions, or NEED_KEYS: `ended` is then
            the list of ids whose value keys must be declared (nothing written)
    ended   stale index entries pruned here (expired or evicted)
]]
local rcall = redis.call
local indexKey = KEYS[1]
local strict = ARGV[1] == "1"

--- @include "index-entries"
--- @include "reply"

local flat, needKeys = listedEntries(indexKey, strict)
if needKeys then
  return needKeys
end
local base = valueKeyBase(indexKey)
local count = 0
local ended = {}
local clock = {}
for i = 1, #flat, 2 do
  if rcall("EXISTS", base .. flat[i]) == 1 then
    count = count + 1
  else
    pruneGone(indexKey, flat[i], flat[i + 1], ended, clock)
  end
end
return replyOf(count, ended)
