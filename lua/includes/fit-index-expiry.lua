-- After removing entries, moves the index expiry back to the longest
-- remaining session plus grace, and never closer than grace from now (an
-- index of only stale entries must live to report them). Redis deletes a
-- hash with its last field, so a subject with no session leaves no key
-- without any DEL here. O(sessions), so only called where the operation
-- already pays that or removed the entry bounding the expiry.
local function fitIndexExpiry(indexKey, now, graceMs)
  local expiries = rcall("HVALS", indexKey)
  if #expiries == 0 then
    return
  end
  local longest = 0
  for i = 1, #expiries do
    local e = tonumber(expiries[i])
    if e > longest then longest = e end
  end
  rcall("PEXPIREAT", indexKey, string.format("%d", math.max(longest, now) + graceMs))
end
