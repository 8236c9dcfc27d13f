--[[
  Reads every live session of a subject.

  Input:
    KEYS[1]   index key
    KEYS[2..] on Redis Cluster, the value keys of the subject's sessions,
              sent only after a NEED_KEYS reply (see declared-keys)
    ARGV[1]   "1": touch only declared keys (Redis Cluster), "0": one server
    ARGV[2]   "1": with each session's expiry, "0": without

  Output: { sessions, ended }
    sessions  flat (sessionId, value) pairs of the live sessions, or
              (sessionId, value, expiresAt in ms since the epoch) triples
              with ARGV[2] "1", in the order they expire
    ended     stale index entries pruned here (expired or evicted)
  or { NEED_KEYS, ids }: declare the value keys of these ids and send
  again (nothing written)
]]
local rcall = redis.call
local indexKey = KEYS[1]
local strict = ARGV[1] == "1"
local withExpiry = ARGV[2] == "1"

--- @include "index-entries"

local ids, expiries, needKeys = listedEntries(indexKey, strict)
if needKeys then
  return needKeys
end
local sessions = {}
local n = 0
local ended = {}
-- GET is the probe: a value that exists is read in the same call.
local expiryOf = {}
if withExpiry then
  for i = 1, #ids do
    expiryOf[ids[i]] = expiries[i]
  end
end
probeEntries(indexKey, ids, expiries, ended, function(id, value)
  sessions[n + 1] = id
  sessions[n + 2] = value
  n = n + 2
  if withExpiry then
    sessions[n + 1] = expiryOf[id]
    n = n + 1
  end
end, function(key)
  return rcall("GET", key)
end)
return { sessions, ended }
