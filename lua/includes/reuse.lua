--- @include "result-codes"
--- @include "declared-keys"
--- @include "index-entries"
--- @include "family"

-- Reuse detection (docs/guarantees.md, "Rotation and reuse"). rotate leaves
-- a marker "<prefix>:{<tag>}:r:<old id>" holding cmsgpack { new id, family },
-- for the reuse-detection window. An operation that finds no live session
-- looks for the marker of the id it was given, which every such script
-- declares among its fixed KEYS.

-- The marker of a rotated id ({ newId, family }), or nil.
local function rotationOf(markerKey)
  local marker = rcall("GET", markerKey)
  if not marker then
    return nil
  end
  return cmsgpack.unpack(marker)
end

-- A rotated id was presented: a replay of a stolen (or stale) token. `mode`
-- is the packed ARGV of the constant options: its first character "1" on a
-- cluster ("strict": declared keys only), its second what to revoke:
-- "f" the token family, "s" every session of the subject, "r" nothing.
-- Appends the reuse itself and then the sessions ended here ('deleted') to
-- `ended`, so that listeners hear of the reuse first. Returns the NEED_KEYS reply when the value keys to look at were
-- not declared (nothing written), else nil. Decides everything before the
-- first write, and touches the index last: it may empty it.
local function revokeOnReuse(indexKey, sessionId, marker, mode, fixed, ended)
  local revoke = string.sub(mode, 2, 2)
  local revoked = {}
  if revoke ~= "r" then
    local ids = indexEntries(indexKey)
    local keys = probeIds(indexKey, ids, string.sub(mode, 1, 1) == "1", fixed)
    if not keys then
      return { NEED_KEYS, ids }
    end
    for i = 1, #ids do
      if keys[ids[i]] == false then
        return { NEED_KEYS, ids }
      end
    end
    for i = 1, #ids do
      local value = rcall("GET", keys[ids[i]])
      if value and (revoke == "s" or familyOf(value, ids[i]) == marker[2]) then
        revoked[#revoked + 1] = ids[i]
      end
    end
    for i = 1, #revoked do
      rcall("DEL", keys[revoked[i]])
    end
  end
  local n = #ended
  ended[n + 1] = REPORTED_REUSED
  ended[n + 2] = sessionId
  n = n + 2
  for i = 1, #revoked do
    rcall("ZREM", indexKey, revoked[i])
    ended[n + 1] = ENDED_DELETED
    ended[n + 2] = revoked[i]
    n = n + 2
  end
  return nil
end
