-- A sid key (the express-session adapter, src/adapters/express-session/)
-- holds "<kind><slide ttl>:<payload>": kind "a" an anonymous session, whose
-- payload is its value; kind "u" a logged-in one, whose payload is its
-- subject's index key. The slide ttl is what a read extends the session by,
-- in seconds, written as 10 digits (0: a fixed expiry, never slid): fixed
-- places, so that no script searches the bytes (no Lua pattern function
-- ever sees stored data). sid-entry.ts writes and reads it; express-get-1
-- parses it and applies the pointer's rule below itself, on its hot path.
local function parseSidEntry(stored)
  return string.sub(stored, 1, 1), tonumber(string.sub(stored, 2, 11)), string.sub(stored, 13)
end

-- A pointer ("u") outlives its session by up to a ttl: a pointer gone first
-- would end the session early, and while it is there a late save of a
-- revoked session finds it and writes nothing (the adapter fails closed on
-- it). A slide in express-get-1 sets it to the session's new expiry plus a
-- ttl; where the session's expiry is not at hand (a save, a touch, a
-- cluster's first round), the pointer lives twice the ttl from its last
-- extension, and a get extends it once less than 1.5 ttl is left: about
-- twice per ttl, not at every request.
local function pointerLifetimeMs(ttlMs)
  return 2 * ttlMs
end

-- Expiries are set with PEXPIREAT from TIME, the commands every script of
-- the library already has (and the least-privilege ACL allows), not PEXPIRE.
local function expireIn(sidKey, ms)
  local t = rcall("TIME")
  rcall("PEXPIREAT", sidKey, string.format("%d", tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + ms))
end

