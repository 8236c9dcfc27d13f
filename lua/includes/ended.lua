-- Ended sessions travel back to the caller as flat (kind, sessionId) pairs;
-- the kinds match EndReason in src/scripts/reply.ts.
local ENDED_EXPIRED = 1
local ENDED_EVICTED = 2
local ENDED_DELETED = 3

-- An index entry whose value is gone: "expired" once its recorded expiry
-- has passed, otherwise the value vanished early ("evicted": maxmemory or a
-- DEL from outside this library).
local function goneReason(expiresAtMs, now)
  if tonumber(expiresAtMs) <= now then
    return ENDED_EXPIRED
  end
  return ENDED_EVICTED
end
