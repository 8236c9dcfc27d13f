--- @include "value-key"

-- The reply code of a script that must look at value keys the caller did
-- not declare; the caller sends it again with them (src/storage/subject-wide.ts).
local NEED_KEYS = -3

-- Redis Cluster routes a script by its KEYS and, while a slot migrates,
-- answers ASK or TRYAGAIN unless every declared key is on the node; a key
-- touched without being declared escapes that check (a resharding then
-- pruned live sessions or half-ran deleteAll). So on a cluster ("strict")
-- a script may touch a value key only if it is one of its KEYS: when
-- one of `ids` is missing, this returns the reply that asks for all of
-- them, before the script has written anything. On one server every key is
-- local and the script derives the value keys itself, in one round trip.
local function undeclaredReply(indexKey, ids, strict)
  if not strict then
    return nil
  end
  local declared = {}
  for i = 1, #KEYS do
    declared[KEYS[i]] = true
  end
  for i = 1, #ids do
    if not declared[valueKeyOf(indexKey, ids[i])] then
      return { NEED_KEYS, ids }
    end
  end
  return nil
end
