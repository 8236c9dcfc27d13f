--[[
  express-session set (src/adapters/express-session/): writes a sid key, as
  an anonymous session's value or as the pointer of a logged-in session.

  Input:
    KEYS[1] sid key "<prefix>:{sid:<sessionId>}" (see includes/sid-entry)
    ARGV[1] kind: "a" anonymous, "u" pointer
    ARGV[2] slide ttl in seconds, 10 digits (0: a fixed expiry)
    ARGV[3] payload: the value ("a") or the subject's index key ("u")
    ARGV[4] the session's ttl in milliseconds (positive integer)
    ARGV[5] "keep-pointer": write nothing over a pointer;
            "if-absent": write nothing over anything;
            "replace": write anyway

  Output (bare, see reply.lua; it never ends a session):
    1        written
    "u..."   the sid key's entry: it holds a pointer ("keep-pointer",
             "if-absent"): nothing written
    "a..."   the sid key's entry: it holds an anonymous session
             ("if-absent"): nothing written
]]
local rcall = redis.call
local sidKey = KEYS[1]
local kind = ARGV[1]
local ttl = ARGV[2]
local payload = ARGV[3]
local ttlMs = tonumber(ARGV[4])
local mode = ARGV[5]

--- @include "sid-entry"

if mode ~= "replace" then
  local stored = rcall("GET", sidKey)
  if stored then
    if string.sub(stored, 1, 1) == "u" or mode == "if-absent" then
      return stored
    end
  end
end
local lifetimeMs = ttlMs
if kind == "u" then
  lifetimeMs = pointerLifetimeMs(ttlMs)
end
rcall("SET", sidKey, kind .. ttl .. ":" .. payload, "PX", lifetimeMs)
return 1
