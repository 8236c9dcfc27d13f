--- @include "now-ms"
--- @include "ended"

-- An index entry whose value is gone is removed and reported once: HDEL is
-- atomic with the check, so of all the scripts and subscribers racing on it,
-- exactly one reports the ended session.
local function pruneStaleEntry(indexKey, sessionId, recordedExpiry)
  rcall("HDEL", indexKey, sessionId)
  return { goneReason(recordedExpiry, nowMs()), sessionId }
end
