--- @include "result-codes"
--- @include "declared-keys"
--- @include "index-entries"
--- @include "family"
--- @include "marker-key"

-- Reuse detection (README, "Rotation and reuse detection"). rotate leaves a
-- marker "<prefix>:{<tag>}:r:<old id>" holding cmsgpack { new id, family,
-- what a reuse revokes } for the reuse-detection window. An operation that
-- finds no live session looks for the marker of the id it was given. On a
-- cluster the caller declares that marker key after the script's fixed
-- KEYS (and then the value keys a revocation asks for): there a script
-- touches only declared keys, and the marker's presence among KEYS is what
-- tells the script it runs on a cluster. On one server the script derives
-- the marker key, so the common path pays for no extra key.

-- The marker of a rotated id ({ newId, family, revoke }), or nil.
local function rotationOf(markerKey)
  local marker = rcall("GET", markerKey)
  if not marker then
    return nil
  end
  return cmsgpack.unpack(marker)
end

-- A rotated id was presented: a replay of a stolen (or stale) token. What
-- to revoke was recorded by rotate: "f" the token family, "s" every
-- session of the subject, "r" nothing. `fixed` is the number of the
-- script's fixed KEYS; the marker key follows them on a cluster. Replies
-- { none, ended } (`none`: the script's "no session" result), `ended`
-- holding the reuse itself and then the sessions ended here ('deleted'),
-- so that listeners hear of the reuse first; or the NEED_KEYS reply when
-- the value keys to look at were not declared (nothing written). Decides
-- everything before the first write, and touches the index last: it may
-- empty it.
local function revokeOnReuse(indexKey, sessionId, marker, fixed, none)
  local revoke = marker[3]
  local revoked = {}
  if revoke ~= "r" then
    local ids = idsOf(flatEntries(indexKey))
    local keys = probeIds(indexKey, ids, #KEYS > fixed, fixed + 1)
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
  local ended = { REPORTED_REUSED, sessionId }
  local n = 2
  for i = 1, #revoked do
    rcall("ZREM", indexKey, revoked[i])
    ended[n + 1] = ENDED_DELETED
    ended[n + 2] = revoked[i]
    n = n + 2
  end
  return { none, ended }
end
