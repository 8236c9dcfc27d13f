--[[
  Run by a subscriber when a session's value key expired, was evicted or
  was deleted: removes the session's index entry unless something else
  already has.

  Input:
    KEYS[1] value key (from the keyspace notification)
    KEYS[2] index key
    ARGV[1] sessionId
    ARGV[2] reason from the notification: ENDED_EXPIRED, or ENDED_EVICTED
            for an eviction or a deletion (src/scripts/result-codes.ts)

  Output: { removed, ended }
    removed  1 this call removed the entry, 0 otherwise: another instance
             or an operation's pruning already did, or the id was inserted
             again since (its value exists)
    ended    the (reason, sessionId) pair when removed, so that across all
             subscribed instances each ended session is reported once
]]
local rcall = redis.call
local valueKey = KEYS[1]
local indexKey = KEYS[2]
local sessionId = ARGV[1]
local reason = tonumber(ARGV[2])

if rcall("EXISTS", valueKey) == 1 then
  return { 0, {} }
end
-- Redis deletes the sorted set with its last member: no key is left behind.
if rcall("ZREM", indexKey, sessionId) == 1 then
  return { 1, { reason, sessionId } }
end
return { 0, {} }
