--[[
  express-session destroy (src/adapters/express-session/): deletes a sid key.

  Input:
    KEYS[1] sid key "<prefix>:{sid:<sessionId>}" (see includes/sid-entry)
    ARGV[1] "keep-pointer": delete nothing when it holds a pointer (the
              caller ends the logged-in session first); "any": delete it

  Output: { result, ended }
    result  1 deleted; 0 there was none
            { "u", indexKey }  it holds a pointer and ARGV[1] is
                               "keep-pointer": nothing deleted
    ended   always empty
]]
local rcall = redis.call
local sidKey = KEYS[1]
local keepPointer = ARGV[1] == "keep-pointer"

--- @include "sid-entry"

if keepPointer then
  local stored = rcall("GET", sidKey)
  if not stored then
    return { 0, {} }
  end
  local kind, _, payload = parseSidEntry(stored)
  if kind == "u" then
    return { { "u", payload }, {} }
  end
end
return { rcall("DEL", sidKey), {} }
