--- @include "index-entries"

-- Deletes the value of every listed entry but `keepId`'s (nil: keeps none).
-- DEL is the probe: it removes a live value and says whether there was one;
-- an entry whose value is gone is pruned here (see pruneGone). The entries
-- of the sessions deleted here are left to the caller: while they stay,
-- the index cannot empty under a pruning ZREM. Returns the ids deleted and
-- the stale entries pruned (`ended`).
local function deleteListed(indexKey, flat, keepId)
  local base = valueKeyBase(indexKey)
  local deleted = {}
  local count = 0
  local ended = {}
  local clock = {}
  for i = 1, #flat, 2 do
    local id = flat[i]
    if id ~= keepId then
      if rcall("DEL", base .. id) == 1 then
        count = count + 1
        deleted[count] = id
      else
        pruneGone(indexKey, id, flat[i + 1], ended, clock)
      end
    end
  end
  return deleted, ended
end

-- The reply of a call that deleted `deleted`: the ids alone when nothing
-- stale was pruned (see reply.lua; the caller reports them as deleted),
-- else { count, ended }, the stale entries first, then the sessions ended.
local function deletedReply(deleted, ended)
  if #ended == 0 then
    return deleted
  end
  local n = #ended
  for i = 1, #deleted do
    ended[n + 1] = ENDED_DELETED
    ended[n + 2] = deleted[i]
    n = n + 2
  end
  return { #deleted, ended }
end
