--[[
  express-session touch (src/adapters/express-session/): extends a sid key
  of the expected kind, and records a new slide ttl.

  Input:
    KEYS[1] sid key "<prefix>:{sid:<sessionId>}" (see includes/sid-entry)
    ARGV[1] kind expected: "a" anonymous, "u" pointer
    ARGV[2] slide ttl in seconds, 10 digits (0: a fixed expiry)
    ARGV[3] the session's ttl in milliseconds (positive integer)

  Output (bare, see reply.lua; it never ends a session):
    1 extended; 0 no sid key of that kind (nothing written: a session that
    ended, or changed kind since it was read, is not brought back)
]]
local rcall = redis.call
local sidKey = KEYS[1]
local kind = ARGV[1]
local ttl = ARGV[2]
local ttlMs = tonumber(ARGV[3])

--- @include "sid-entry"

local stored = rcall("GET", sidKey)
if not stored then
  return 0
end
local storedKind, storedTtl, payload = parseSidEntry(stored)
if storedKind ~= kind then
  return 0
end
local lifetimeMs = ttlMs
if kind == "u" then
  lifetimeMs = pointerLifetimeMs(ttlMs)
end
if storedTtl == tonumber(ttl) then
  expireIn(sidKey, lifetimeMs)
else
  rcall("SET", sidKey, kind .. ttl .. ":" .. payload, "PX", lifetimeMs)
end
return 1
