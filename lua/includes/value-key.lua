-- The index key is "<prefix>:{<tag>}:i" and a value key "<prefix>:{<tag>}:s:<id>"
-- (see src/keys/key-schema.ts). Deriving value keys from the index key keeps
-- every key of a script in the index's hash slot and never builds a key from
-- a caller's pattern.
local function valueKeyOf(indexKey, sessionId)
  return string.sub(indexKey, 1, -2) .. "s:" .. sessionId
end
