--- @include "now-ms"
--- @include "ended"
--- @include "declared-keys"

-- Every entry of a subject's index as ZRANGE ... WITHSCORES gives it: flat
-- (sessionId, recorded expiry) pairs in ascending expiry order (ties by id).
-- The scripts walk it in place: copying it into tables of ids and numbers,
-- or probing each entry through a callback, cost Redis more than the calls.
local function flatEntries(indexKey)
  return rcall("ZRANGE", indexKey, 0, -1, "WITHSCORES")
end

-- The ids of flat entries.
local function idsOf(flat)
  local ids = {}
  local n = 0 -- a counter, not #ids: Lua 5.1's # searches for the border on every append
  for i = 1, #flat, 2 do
    n = n + 1
    ids[n] = flat[i]
  end
  return ids
end

-- The entries, and the NEED_KEYS reply when the caller must first declare
-- their value keys (a cluster's first round; see declared-keys).
local function listedEntries(indexKey, strict)
  local flat = flatEntries(indexKey)
  if not strict or #flat == 0 then
    return flat, nil
  end
  return flat, undeclaredReply(indexKey, idsOf(flat), strict)
end

-- The value key of an id is this prefix and the id (value-key.lua).
local function valueKeyBase(indexKey)
  return string.sub(indexKey, 1, -2) .. "s:"
end

-- Probing a value (GET, EXISTS or DEL: one call per session) is what makes
-- readAll, count, deleteAll and deleteOthers exact without any keyspace
-- notification. An entry whose value is gone is removed here and appended
-- to `ended` (expired or evicted by its recorded expiry); `clock` holds the
-- TIME read once per call, on the first such entry.
local function pruneGone(indexKey, id, recordedExpiry, ended, clock)
  rcall("ZREM", indexKey, id)
  clock.now = clock.now or nowMs()
  local n = #ended
  ended[n + 1] = goneReason(recordedExpiry, clock.now)
  ended[n + 2] = id
end
