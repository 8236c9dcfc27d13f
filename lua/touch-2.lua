--[[
  Resets a live session's TTL (sliding expiration).

  Input:
    KEYS[1] value key
    KEYS[2] index key
    ARGV[1] sessionId
    ARGV[2] new ttl in milliseconds (positive integer)
    ARGV[3] index grace period in milliseconds

  Output: { result, ended }
    result  1 TTL reset, 0 no live session (nothing written)
    ended   a stale index entry pruned here (expired or evicted)
]]
local rcall = redis.call
local valueKey = KEYS[1]
local indexKey = KEYS[2]
local sessionId = ARGV[1]
local ttlMs = tonumber(ARGV[2])
local graceMs = tonumber(ARGV[3])

--- @include "stale-entry"

local recordedExpiry = rcall("HGET", indexKey, sessionId)
if not recordedExpiry then
  return { 0, {} }
end
-- PEXPIREAT with the recorded time, so the value expires exactly when its
-- index entry says (a relative PEXPIRE counts from the command's own clock).
local expiresAt = string.format("%d", nowMs() + ttlMs)
if rcall("PEXPIREAT", valueKey, expiresAt) == 1 then
  rcall("HSET", indexKey, sessionId, expiresAt)
  extendIndexTtl(indexKey, ttlMs + graceMs)
  return { 1, {} }
end
return { 0, pruneStaleEntry(indexKey, sessionId, recordedExpiry) }
