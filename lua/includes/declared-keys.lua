--- @include "value-key"
--- @include "result-codes"

-- NEED_KEYS is the reply of a script that must look at value keys the
-- caller did not declare; the caller sends it again with them (see
-- src/operations/declared-keys.ts).

-- Redis Cluster routes a script by its KEYS and, while a slot migrates,
-- answers ASK or TRYAGAIN unless every declared key is on the node; a key
-- touched without being declared escapes that check (a resharding then
-- pruned live sessions or half-ran deleteAll). So on a cluster ("strict")
-- a script may touch a value key only if it is one of its KEYS. On one
-- server every key is local and the script derives the value keys itself,
-- in one round trip.

-- id -> value key for each of `ids`, or false for an id whose key was not
-- declared; nil when no key at all was declared beyond the `fixed` ones
-- (the caller's first round: it has not listed the index yet).
local function probeIds(indexKey, ids, strict, fixed)
  local keys = {}
  if not strict then
    for i = 1, #ids do
      keys[ids[i]] = valueKeyOf(indexKey, ids[i])
    end
    return keys
  end
  if #ids > 0 and #KEYS <= fixed then
    return nil
  end
  local declared = {}
  for i = 1, #KEYS do
    declared[KEYS[i]] = true
  end
  for i = 1, #ids do
    local key = valueKeyOf(indexKey, ids[i])
    keys[ids[i]] = declared[key] and key or false
  end
  return keys
end

-- The NEED_KEYS reply when one of `ids` may not be touched, before the
-- script has written anything; nil when every one of them may.
local function undeclaredReply(indexKey, ids, strict)
  if not strict then
    return nil
  end
  local keys = probeIds(indexKey, ids, strict, 1)
  if keys then
    for i = 1, #ids do
      if not keys[ids[i]] then
        return { NEED_KEYS, ids }
      end
    end
    return nil
  end
  return { NEED_KEYS, ids }
end
