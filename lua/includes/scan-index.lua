--- @include "now-ms"
--- @include "value-key"
--- @include "ended"

-- Walks a subject's whole index, pruning (and reporting into `ended`) every
-- entry whose value is gone, and calls onLive(sessionId, valueKey,
-- expiresAtMs) for each live one. This is what makes readAll, count,
-- deleteAll and the insert limit exact without any keyspace notification.
local function scanIndex(indexKey, ended, onLive)
  local entries = rcall("HGETALL", indexKey)
  local now = nil
  for i = 1, #entries, 2 do
    local id = entries[i]
    local key = valueKeyOf(indexKey, id)
    if rcall("EXISTS", key) == 1 then
      onLive(id, key, tonumber(entries[i + 1]))
    else
      rcall("HDEL", indexKey, id)
      now = now or nowMs()
      ended[#ended + 1] = goneReason(entries[i + 1], now)
      ended[#ended + 1] = id
    end
  end
end
