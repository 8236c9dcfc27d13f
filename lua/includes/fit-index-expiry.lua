--- @include "now-ms"

-- After removing the entry that expired `removedAtMs`, moves the index
-- expiry back to the longest remaining session plus grace if that entry was
-- the longest, and never closer than grace from now (an index of only stale
-- entries must live to report them). O(log n): the sorted set keeps its
-- longest entry last. Redis deletes a sorted set with its last member, so a
-- subject with no session leaves no key without any DEL here.
local function fitIndexExpiry(indexKey, removedAtMs, graceMs)
  local top = rcall("ZRANGE", indexKey, -1, -1, "WITHSCORES")
  if #top == 0 or tonumber(top[2]) >= removedAtMs then
    return
  end
  rcall("PEXPIREAT", indexKey, string.format("%d", math.max(tonumber(top[2]), nowMs()) + graceMs))
end
