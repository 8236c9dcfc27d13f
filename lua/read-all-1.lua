--[[
  Reads every live session of a subject.

  Input:
    KEYS[1]   index key
    KEYS[2..] on Redis Cluster, the value keys of the subject's sessions,
              sent only after a NEED_KEYS reply (see declared-keys)
    ARGV[1]   "1": touch only declared keys (Redis Cluster), "0": one server
    ARGV[2]   "1": with each session's expiry, "0": without

  Output: the sessions alone when nothing ended (see reply.lua), or
  { sessions, ended }
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
--- @include "reply"

local flat, needKeys = listedEntries(indexKey, strict)
if needKeys then
  return needKeys
end
local base = valueKeyBase(indexKey)
local sessions = {}
local n = 0
local ended = {}
local clock = {}
-- GET is the probe: a value that exists is read in the same call.
for i = 1, #flat, 2 do
  local value = rcall("GET", base .. flat[i])
  if value then
    sessions[n + 1] = flat[i]
    sessions[n + 2] = value
    n = n + 2
    if withExpiry then
      n = n + 1
      sessions[n] = tonumber(flat[i + 1])
    end
  else
    pruneGone(indexKey, flat[i], flat[i + 1], ended, clock)
  end
end
return replyOf(sessions, ended)
