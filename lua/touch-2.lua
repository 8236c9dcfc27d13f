--[[
  Resets a live session's TTL (sliding expiration).

  Input:
    KEYS[1] value key
    KEYS[2] index key
    ARGV[1] sessionId
    ARGV[2] new ttl in milliseconds (positive integer)
    ARGV[3] index grace period in milliseconds

  Output: { result, ended }
    result  1 TTL reset, 0 no live session (nothing written but a value
            without index entry, which is deleted: reads fail closed on it)
    ended   a stale index entry pruned here (expired or evicted)
]]
local rcall = redis.call
local valueKey = KEYS[1]
local indexKey = KEYS[2]
local sessionId = ARGV[1]
local ttlMs = tonumber(ARGV[2])
local graceMs = tonumber(ARGV[3])

--- @include "now-ms"
--- @include "extend-index-ttl"

-- PEXPIREAT with the time recorded in the index, so the value expires
-- exactly when its entry says (a relative PEXPIRE counts from the command's
-- own clock). Writing first and checking the replies costs no HGET on the
-- common path: PEXPIREAT says whether the value exists, HSET whether the
-- entry did (0: it updated an existing field).
local expiresAt = string.format("%d", nowMs() + ttlMs)
if rcall("PEXPIREAT", valueKey, expiresAt) == 1 then
  if rcall("HSET", indexKey, sessionId, expiresAt) == 0 then
    extendIndexTtl(indexKey, ttlMs + graceMs)
    return { 1, {} }
  end
  -- A value without index entry is no session (the index was evicted or
  -- changed from outside): undo the entry just made and delete the value,
  -- as read does, so that no session exists that deleteAll cannot see.
  rcall("HDEL", indexKey, sessionId)
  rcall("DEL", valueKey)
  return { 0, {} }
end

-- Helpers of the rare paths are defined only past the common path's return:
-- a script's local functions are created anew each time it runs.
--- @include "stale-entry"

local recordedExpiry = rcall("HGET", indexKey, sessionId)
if recordedExpiry then
  return { 0, pruneStaleEntry(indexKey, sessionId, recordedExpiry) }
end
return { 0, {} }
