-- The marker key of `sessionId`: KEYS[fixed + 1] on a cluster, derived on one server.
local function markerKeyOf(indexKey, sessionId, fixed)
  return KEYS[fixed + 1] or (string.sub(indexKey, 1, -2) .. "r:" .. sessionId)
end
