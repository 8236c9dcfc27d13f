-- Server clock in milliseconds. Redis >= 7 (and 5+ with effect replication)
-- replicates a script's writes, not the script, so reading TIME before
-- writing is safe on replicas and in the AOF.
local function nowMs()
  local t = rcall("TIME")
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
