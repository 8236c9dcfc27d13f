-- The index outlives its longest session by the grace period, so a late
-- keyspace notification still finds its entry; without notifications it is
-- still gone by then. PEXPIRE ... GT (Redis >= 7.0) only ever lengthens the
-- TTL, in one call. GT counts a key without TTL as infinite and leaves it
-- alone, so when GT changed nothing, PTTL tells that case (-1: a new index,
-- or one persisted from outside) from a longer TTL already in place.
local function extendIndexTtl(indexKey, wantMs)
  local ms = string.format("%d", wantMs)
  if rcall("PEXPIRE", indexKey, ms, "GT") == 0 and rcall("PTTL", indexKey) == -1 then
    rcall("PEXPIRE", indexKey, ms)
  end
end
