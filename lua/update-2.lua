--[[
  Replaces a live session's value, keeping its TTL.

  Input:
    KEYS[1] value key
    KEYS[2] index key
    ARGV[1] sessionId
    ARGV[2] value (format tag + encoded metadata)

  Output: { result, ended }
    result  1 replaced, 0 no live session (nothing written)
    ended   a stale index entry pruned here (expired or evicted)
]]
local rcall = redis.call
local valueKey = KEYS[1]
local indexKey = KEYS[2]
local sessionId = ARGV[1]
local value = ARGV[2]

local recordedExpiry = rcall("ZSCORE", indexKey, sessionId)
if not recordedExpiry then
  return { 0, {} }
end
-- SET XX KEEPTTL writes only over a live value and leaves its expiry alone.
if rcall("SET", valueKey, value, "XX", "KEEPTTL") then
  return { 1, {} }
end

-- Rare paths only, from here (see "Lua conventions" in docs/development.md).
--- @include "stale-entry"

return { 0, pruneStaleEntry(indexKey, sessionId, recordedExpiry) }
