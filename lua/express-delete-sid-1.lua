--[[
  express-session destroy (src/adapters/express-session/): deletes a sid key.

  Input:
    KEYS[1] sid key "<prefix>:{sid:<sessionId>}" (see includes/sid-entry)
    ARGV[1] "keep-pointer": delete nothing when it holds a pointer (the
              caller ends the logged-in session first); "any": delete it

  Output (bare, see reply.lua; it never ends a session):
    1 deleted; 0 there was none
    "u..."  the sid key's entry: it holds a pointer and ARGV[1] is
            "keep-pointer": nothing deleted
]]
local rcall = redis.call
local sidKey = KEYS[1]
local keepPointer = ARGV[1] == "keep-pointer"

-- A pointer's entry starts with "u" (see includes/sid-entry).

if keepPointer then
  local stored = rcall("GET", sidKey)
  if not stored then
    return 0
  end
  if string.sub(stored, 1, 1) == "u" then
    return stored
  end
end
return rcall("DEL", sidKey)
