-- A session started by rotate carries its token family (the id of the
-- first session of its rotation chain) in front of its value:
--   byte 255, the family's length (2 bytes, big-endian), the family, then
--   the value as the codec framed it (format tag + encoded metadata).
-- Codecs may not use format tag 255 (src/codec/value-format.ts), so no
-- other value starts with it. It lives and expires with the session
-- itself, so revoking a family needs no bookkeeping that could go stale.
-- Any other session is the first of its own family.
local function familyOf(value, sessionId)
  if string.byte(value, 1) ~= 255 then
    return sessionId
  end
  return string.sub(value, 4, 3 + string.byte(value, 2) * 256 + string.byte(value, 3))
end

-- The value without the family frame.
local function withoutFamily(value)
  if string.byte(value, 1) ~= 255 then
    return value
  end
  return string.sub(value, 4 + string.byte(value, 2) * 256 + string.byte(value, 3))
end

-- `value` (without frame) as a session of `family` stores it.
local function inFamily(family, value)
  return "\255" .. string.char(math.floor(#family / 256), #family % 256) .. family .. value
end
