--[[
  Reads a live session and slides its expiry, in one step: what every
  authenticated request needs.

  Input:
    KEYS[1] value key
    KEYS[2] index key
    KEYS[3]   on Redis Cluster only: the rotation marker key of sessionId
    KEYS[4..] on Redis Cluster, the value keys of the subject's sessions,
              sent only after a NEED_KEYS reply (a rotated id presented)
    ARGV[1] sessionId
    ARGV[2] new ttl in milliseconds (positive integer)
    ARGV[3] minimum remaining ttl in milliseconds: while the session has at
            least this much left, nothing is written; "0": always write
    ARGV[4] index grace period in milliseconds

  Output: the session alone when nothing ended (see reply.lua), or
  { session | false, ended }
    session the live session as one string: its value, then its expiry
            after this call (ms since the epoch, server clock) in decimal
            digits, then one byte: the number of those digits. A string,
            not a table: a reply table costs Redis more than the rest of
            the read (src/operations/read-and-touch.ts splits it).
    ended   stale index entries pruned here (expired or evicted), a value
            without index entry removed here (evicted); for a rotated id,
            the sessions revoked (deleted) and the reuse
  or { NEED_KEYS, ids } (nothing written)
]]
local rcall = redis.call
local valueKey = KEYS[1]
local indexKey = KEYS[2]
local sessionId = ARGV[1]
local minRemainingMs = tonumber(ARGV[3])

local value = rcall("GET", valueKey)
local recordedExpiry = rcall("ZSCORE", indexKey, sessionId)
local live = value and recordedExpiry
-- Enough left: nothing is written. PTTL tells it without TIME (the value
-- expires exactly at the recorded time), and the recorded expiry is the
-- one to answer.
if live and minRemainingMs > 0 and rcall("PTTL", valueKey) >= minRemainingMs then
  return value .. recordedExpiry .. string.char(#recordedExpiry)
end

local ttlMs = tonumber(ARGV[2])
local graceMs = tonumber(ARGV[4])
--- @include "now-ms"

--- @include "ended"
--- @include "extend-index-expiry"
--- @include "prune-expired"
--- @include "reply"

if live then
  -- As touch-2.lua: the value expires exactly at the time recorded in the index.
  local now = nowMs()
  local expiresAtMs = now + ttlMs
  local expiresAt = string.format("%d", expiresAtMs)
  rcall("PEXPIREAT", valueKey, expiresAt)
  rcall("ZADD", indexKey, "XX", expiresAt, sessionId)
  extendIndexExpiry(indexKey, expiresAtMs + graceMs)
  local ended = {}
  pruneExpired(indexKey, now, ended)
  return replyOf(value .. expiresAt .. string.char(#expiresAt), ended)
end

-- Rare paths only, from here (see "Lua conventions" in docs/development.md).
--- @include "no-live-session"

if value then
  return { false, removeOrphanValue(valueKey, sessionId) }
end
return noLiveSession(indexKey, sessionId, recordedExpiry, 2, false) or { false, {} }
