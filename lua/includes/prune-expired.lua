--- @include "ended"

-- Removes (and reports as expired) up to 16 entries whose recorded expiry
-- passed more than a second ago, oldest first, in O(log n): the entries of
-- sessions that ended unseen (notifications off or missed) leave an active
-- subject's index a few per write, with no value key touched. Their values
-- are gone already: each was written with PXAT at the recorded time, and
-- the second of margin keeps any later script (whose view of expiry is its
-- own start time, not TIME) from still seeing the value.
local function pruneExpired(indexKey, now, ended)
  local ids = rcall("ZRANGEBYSCORE", indexKey, "-inf", string.format("(%d", now - 1000), "LIMIT", 0, 16)
  if #ids == 0 then
    return
  end
  rcall("ZREM", indexKey, unpack(ids))
  local n = #ended
  for i = 1, #ids do
    ended[n + 1] = ENDED_EXPIRED
    ended[n + 2] = ids[i]
    n = n + 2
  end
end
