--- @include "now-ms"
--- @include "ended"
--- @include "declared-keys"

-- Every entry of a subject's index, as ids and recorded expiries, in
-- ascending expiry order (ties by id): the sorted set gives it for free.
local function indexEntries(indexKey)
  local flat = rcall("ZRANGE", indexKey, 0, -1, "WITHSCORES")
  local ids = {}
  local expiries = {}
  local n = 0 -- a counter, not #ids: Lua 5.1's # searches for the border on every append
  for i = 1, #flat, 2 do
    n = n + 1
    ids[n] = flat[i]
    expiries[n] = tonumber(flat[i + 1])
  end
  return ids, expiries
end

-- The entries, or the NEED_KEYS reply when the caller must first declare
-- their value keys (a cluster's first round; see declared-keys).
local function listedEntries(indexKey, strict)
  local ids, expiries = indexEntries(indexKey)
  return ids, expiries, undeclaredReply(indexKey, ids, strict)
end

-- Probes each entry's value, pruning (and reporting into `ended`) every
-- entry whose value is gone, and calls onLive(sessionId, found) for each
-- live one. This is what makes readAll, count, deleteAll and the insert
-- limit exact without any keyspace notification. probe(valueKey) returns
-- false when the value is gone, else what onLive gets as `found`: readAll
-- probes with GET and deleteAll with DEL, so each session costs one call.
local function probeEntries(indexKey, ids, expiries, ended, onLive, probe)
  local now = nil
  local n = #ended
  for i = 1, #ids do
    local found = probe(valueKeyOf(indexKey, ids[i]))
    if found then
      onLive(ids[i], found)
    else
      rcall("ZREM", indexKey, ids[i])
      now = now or nowMs()
      ended[n + 1] = goneReason(expiries[i], now)
      ended[n + 2] = ids[i]
      n = n + 2
    end
  end
end
