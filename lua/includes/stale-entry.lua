--- @include "now-ms"
--- @include "ended"

-- An index entry whose value is gone is removed and reported once: ZREM is
-- atomic with the check, so of all the scripts and subscribers racing on it,
-- exactly one reports the ended session.
local function pruneStaleEntry(indexKey, sessionId, recordedExpiry)
  rcall("ZREM", indexKey, sessionId)
  return { goneReason(recordedExpiry, nowMs()), sessionId }
end

-- A value without its index entry is no session (the index was evicted or
-- deleted from outside): it is deleted, and reported once as evicted, by
-- the one call whose DEL removed it.
local function removeOrphanValue(valueKey, sessionId)
  if rcall("DEL", valueKey) == 1 then
    return { ENDED_EVICTED, sessionId }
  end
  return {}
end
