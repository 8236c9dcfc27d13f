--- @include "now-ms"
--- @include "value-key"
--- @include "ended"

local function valueExists(key)
  return rcall("EXISTS", key) == 1
end

-- Walks a subject's whole index, pruning (and reporting into `ended`) every
-- entry whose value is gone, and calls onLive(sessionId, valueKey,
-- expiresAtMs, found) for each live one. This is what makes readAll, count,
-- deleteAll and the insert limit exact without any keyspace notification.
-- probe(valueKey) returns false when the value is gone, else what onLive
-- gets as `found`; default EXISTS. readAll probes with GET and deleteAll with
-- DEL, so each session costs one call instead of EXISTS plus another.
local function scanIndex(indexKey, ended, onLive, probe)
  probe = probe or valueExists
  local entries = rcall("HGETALL", indexKey)
  local now = nil
  for i = 1, #entries, 2 do
    local id = entries[i]
    local key = valueKeyOf(indexKey, id)
    local found = probe(key)
    if found then
      onLive(id, key, tonumber(entries[i + 1]), found)
    else
      rcall("HDEL", indexKey, id)
      now = now or nowMs()
      ended[#ended + 1] = goneReason(entries[i + 1], now)
      ended[#ended + 1] = id
    end
  end
end
