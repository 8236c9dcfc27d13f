-- The index outlives its longest session by the grace period, so a late
-- keyspace notification still finds its entry; without notifications it is
-- still gone by then. The expiry is absolute and from the same TIME reading
-- as the sessions' recorded expiries. PEXPIREAT ... GT (Redis >= 7.0) only
-- ever moves it later, in one call; GT counts a key without expiry as never
-- expiring and leaves it alone, so when GT changed nothing, NX sets the
-- expiry of a key that has none (a new index, or one persisted from
-- outside) and leaves a later expiry already in place.
local function extendIndexExpiry(indexKey, atMs)
  local at = string.format("%d", atMs)
  if rcall("PEXPIREAT", indexKey, at, "GT") == 0 then
    rcall("PEXPIREAT", indexKey, at, "NX")
  end
end
