-- Ended sessions travel back to the caller as flat (reason, sessionId)
-- pairs; ENDED_EXPIRED, ENDED_EVICTED and ENDED_DELETED are named in
-- src/scripts/result-codes.ts.
--- @include "result-codes"

-- An index entry whose value is gone: "expired" once its recorded expiry
-- has passed, otherwise the value vanished early ("evicted": maxmemory or a
-- DEL from outside this library).
local function goneReason(expiresAtMs, now)
  if tonumber(expiresAtMs) <= now then
    return ENDED_EXPIRED
  end
  return ENDED_EVICTED
end
