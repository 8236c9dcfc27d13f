--[[
  Replaces a live session's value, keeping its TTL (and its token family,
  see family.lua).

  Input:
    KEYS[1] value key
    KEYS[2] index key
    KEYS[3]   on Redis Cluster only: the rotation marker key of sessionId
    KEYS[4..] on Redis Cluster, the value keys of the subject's sessions,
              sent only after a NEED_KEYS reply (a rotated id presented)
    ARGV[1] sessionId
    ARGV[2] value (format tag + encoded metadata)

  Output: 1 alone when replaced (see reply.lua), or { result, ended }
    result  1 replaced, 0 no live session (nothing written but pruning or
            a reuse's revocation)
    ended   a stale index entry pruned here (expired or evicted); for a
            rotated id, the sessions revoked (deleted) and the reuse
  or { NEED_KEYS, ids } (nothing written)
]]
local rcall = redis.call
local valueKey = KEYS[1]
local indexKey = KEYS[2]
local sessionId = ARGV[1]
local value = ARGV[2]

local recordedExpiry = rcall("ZSCORE", indexKey, sessionId)
if recordedExpiry then
  -- SET XX KEEPTTL writes only over a live value and leaves its expiry
  -- alone; GET returns the value replaced, to keep its family frame.
  local old = rcall("SET", valueKey, value, "XX", "KEEPTTL", "GET")
  if old then
    if string.byte(old, 1) == 255 then
      rcall("SET", valueKey, string.sub(old, 1, 3 + string.byte(old, 2) * 256 + string.byte(old, 3)) .. value, "XX", "KEEPTTL")
    end
    return 1
  end
end

-- Rare paths only, from here (see "Lua conventions" in docs/development.md).
--- @include "no-live-session"

return noLiveSession(indexKey, sessionId, recordedExpiry, 2, 0) or { 0, {} }
