--- @include "now-ms"

-- After delete removes `sessionId`, moves the index expiry back to the
-- longest remaining session plus grace if `sessionId` was the longest, and
-- never closer than grace from now (an index of only stale entries must
-- live to report them). `longest` is longestTwo(), read BEFORE the
-- removal: Redis deletes a sorted set with its last member, and while the
-- subject's slot migrates, Redis Cluster fails a script that touches a key
-- it has deleted (the key is then "not local"). O(log n).
local function longestTwo(indexKey)
  return rcall("ZREVRANGE", indexKey, 0, 1, "WITHSCORES")
end

local function fitIndexExpiry(indexKey, longest, sessionId, graceMs)
  if longest[1] ~= sessionId or #longest < 4 then
    return
  end
  rcall("PEXPIREAT", indexKey, string.format("%d", math.max(tonumber(longest[4]), nowMs()) + graceMs))
end
