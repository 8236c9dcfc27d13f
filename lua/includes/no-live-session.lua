--- @include "stale-entry"
--- @include "reuse"

-- The reply of a call on `sessionId` that found no live session, when it
-- has something to report: its stale index entry (pruned here), or, for a
-- rotated id, the reuse (see reuse.lua); nil when neither. `none` is the
-- script's "no session" result; `fixed` the number of its fixed KEYS. A
-- value without entry is each script's own case (read removes it, touch
-- does not look).
local function noLiveSession(indexKey, sessionId, recordedExpiry, fixed, none)
  if recordedExpiry then
    return { none, pruneStaleEntry(indexKey, sessionId, recordedExpiry) }
  end
  local marker = rotationOf(markerKeyOf(indexKey, sessionId, fixed))
  return marker and revokeOnReuse(indexKey, sessionId, marker, fixed, none)
end
