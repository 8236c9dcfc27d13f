-- A sid key (the express-session adapter, src/adapters/express-session/)
-- holds "<kind><slide ttl in seconds>:<payload>": kind "a" an anonymous
-- session, whose payload is its value; kind "u" a logged-in one, whose
-- payload is its subject's index key. The slide ttl is what a read extends
-- the session by (0: a fixed expiry, never slid).
local function parseSidEntry(stored)
  local colon = string.find(stored, ":", 2, true)
  return string.sub(stored, 1, 1), tonumber(string.sub(stored, 2, colon - 1)), string.sub(stored, colon + 1)
end

-- A pointer ("u") lives twice its session's ttl from its last extension and
-- is extended once less than 1.5 ttl is left: it outlives its session (a
-- pointer gone first would end the session early), is written about twice
-- per ttl instead of at every request, and still points to the session for
-- a while after the session ended, so that a late save of a revoked session
-- finds it and writes nothing (the adapter fails closed on it).
local function pointerLifetimeMs(ttlMs)
  return 2 * ttlMs
end

-- Expiries are set with PEXPIREAT from TIME, the commands every script of
-- the library already has (and the least-privilege ACL allows), not PEXPIRE.
local function expireIn(sidKey, ms)
  local t = rcall("TIME")
  rcall("PEXPIREAT", sidKey, string.format("%d", tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + ms))
end

local function extendPointer(sidKey, ttlMs)
  if rcall("PTTL", sidKey) < 1.5 * ttlMs then
    expireIn(sidKey, pointerLifetimeMs(ttlMs))
  end
end
