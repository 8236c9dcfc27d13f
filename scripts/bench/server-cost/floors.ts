/**
 * The floor of each storage operation: a minimal Lua script making the
 * same redis.call's, in the same order and with the same arguments, as the
 * real script (lua/*.lua) on its common path, sent by EVALSHA with the very
 * KEYS and ARGV the storage sent. It has no branch, computes only what an
 * argument needs (the time, a value key from an id) and replies only what
 * the caller cannot know already (no result code, no table of ended
 * sessions that is empty or repeats the caller's own input). What the real
 * script costs above its floor is its own overhead: its logic, its locals,
 * its reply tables.
 *
 * When a script's common path changes, change its floor here: the run
 * checks that the floor made exactly the calls the script made (INFO
 * commandstats over the batch) and fails otherwise.
 */

// Every floor opens the same way: the server clock as the scripts read it (lua/includes/now-ms.lua).
const NOW = `local t = redis.call("TIME")
local now = t[1] * 1000 + math.floor(t[2] / 1000)`;

/**
 * insert-2.lua below the limit, for an id with no entry: TIME, ZCOUNT,
 * ZADD NX, ZRANGEBYSCORE (prune-expired), SET PXAT, then
 * extend-index-expiry: PEXPIREAT GT, which on a new index (no TTL yet)
 * answers 0, so PEXPIREAT NX.
 */
const insertFirstSession = `${NOW}
local expiresAt = string.format("%d", now + ARGV[3])
redis.call("ZCOUNT", KEYS[2], string.format("%d", now), "+inf")
redis.call("ZADD", KEYS[2], "NX", expiresAt, ARGV[1])
redis.call("ZRANGEBYSCORE", KEYS[2], "-inf", string.format("(%d", now - 1000), "LIMIT", 0, 16)
redis.call("SET", KEYS[1], ARGV[2], "PXAT", expiresAt)
local indexExpiresAt = string.format("%d", now + ARGV[3] + ARGV[6])
redis.call("PEXPIREAT", KEYS[2], indexExpiresAt, "GT")
redis.call("PEXPIREAT", KEYS[2], indexExpiresAt, "NX")
return 0`;

/**
 * insert-2.lua below the limit, into an index whose expiry is earlier than
 * the new session's: as for a first session, but PEXPIREAT GT answers 1, so
 * no second PEXPIREAT.
 */
const insertExistingIndex = `${NOW}
local expiresAt = string.format("%d", now + ARGV[3])
redis.call("ZCOUNT", KEYS[2], string.format("%d", now), "+inf")
redis.call("ZADD", KEYS[2], "NX", expiresAt, ARGV[1])
redis.call("ZRANGEBYSCORE", KEYS[2], "-inf", string.format("(%d", now - 1000), "LIMIT", 0, 16)
redis.call("SET", KEYS[1], ARGV[2], "PXAT", expiresAt)
redis.call("PEXPIREAT", KEYS[2], string.format("%d", now + ARGV[3] + ARGV[6]), "GT")
return 0`;

/** read-2.lua, a live session: GET, ZSCORE. */
const read = `local value = redis.call("GET", KEYS[1])
redis.call("ZSCORE", KEYS[2], ARGV[1])
return value`;

/**
 * touch-2.lua, a live session: ZSCORE, TIME, PEXPIREAT (value), ZADD XX,
 * PEXPIREAT GT (index; answers 1), ZRANGEBYSCORE (prune-expired).
 */
const touch = `redis.call("ZSCORE", KEYS[2], ARGV[1])
${NOW}
local expiresAt = string.format("%d", now + ARGV[2])
redis.call("PEXPIREAT", KEYS[1], expiresAt)
redis.call("ZADD", KEYS[2], "XX", expiresAt, ARGV[1])
redis.call("PEXPIREAT", KEYS[2], string.format("%d", now + ARGV[2] + ARGV[3]), "GT")
redis.call("ZRANGEBYSCORE", KEYS[2], "-inf", string.format("(%d", now - 1000), "LIMIT", 0, 16)
return 1`;

/** update-2.lua, a live session: ZSCORE, SET XX KEEPTTL GET (the old value, for its family frame). */
const update = `redis.call("ZSCORE", KEYS[2], ARGV[1])
redis.call("SET", KEYS[1], ARGV[2], "XX", "KEEPTTL", "GET")
return 1`;

/**
 * read-and-touch-2.lua, a live session with more than minRemainingSeconds
 * left: GET, ZSCORE, PTTL; nothing written. Replies the value and the
 * expiry in one string.
 */
const readAndTouchSkip = `local value = redis.call("GET", KEYS[1])
local expiresAt = redis.call("ZSCORE", KEYS[2], ARGV[1])
redis.call("PTTL", KEYS[1])
return value .. expiresAt .. string.char(#expiresAt)`;

/**
 * read-and-touch-2.lua, sliding: GET, ZSCORE, TIME, then as touch-2.lua:
 * PEXPIREAT (value), ZADD XX, PEXPIREAT GT (index), ZRANGEBYSCORE
 * (prune-expired). The minimum-remaining check (PTTL) is skipped when
 * minRemainingSeconds is 0, as the bench's sliding row sends it.
 */
const readAndTouchSlide = `local value = redis.call("GET", KEYS[1])
redis.call("ZSCORE", KEYS[2], ARGV[1])
${NOW}
local expiresAt = string.format("%d", now + ARGV[2])
redis.call("PEXPIREAT", KEYS[1], expiresAt)
redis.call("ZADD", KEYS[2], "XX", expiresAt, ARGV[1])
redis.call("PEXPIREAT", KEYS[2], string.format("%d", now + ARGV[2] + ARGV[4]), "GT")
redis.call("ZRANGEBYSCORE", KEYS[2], "-inf", string.format("(%d", now - 1000), "LIMIT", 0, 16)
return value .. expiresAt .. string.char(#expiresAt)`;

/**
 * rotate-3.lua, a live session to a free id: GET, ZSCORE (old), ZSCORE
 * (new), TIME, ZADD (new), ZREM (old), DEL (old value), SET PXAT (new
 * value), SET PXAT (the marker, derived on one server), PEXPIREAT GT (index;
 * the bench rotates to twice the TTL, so it answers 1).
 */
const rotate = `local value = redis.call("GET", KEYS[1])
local recorded = redis.call("ZSCORE", KEYS[2], ARGV[1])
redis.call("ZSCORE", KEYS[2], ARGV[2])
${NOW}
local expiresAt = string.format("%d", now + ARGV[4])
redis.call("ZADD", KEYS[2], expiresAt, ARGV[2])
redis.call("ZREM", KEYS[2], ARGV[1])
redis.call("DEL", KEYS[1])
redis.call("SET", KEYS[3], value, "PXAT", expiresAt)
redis.call("SET", string.sub(KEYS[2], 1, -2) .. "r:" .. ARGV[1], ARGV[2], "PXAT", string.format("%d", now + math.min(recorded - now, ARGV[6])))
redis.call("PEXPIREAT", KEYS[2], string.format("%d", now + ARGV[4] + ARGV[7]), "GT")
return 1`;

/**
 * delete-2.lua, a live session that is not the subject's longest (or is
 * its last): ZSCORE, DEL, ZREVRANGE 0 1 WITHSCORES (fit-index-expiry), ZREM.
 */
const del = `redis.call("ZSCORE", KEYS[2], ARGV[1])
redis.call("DEL", KEYS[1])
redis.call("ZREVRANGE", KEYS[2], 0, 1, "WITHSCORES")
redis.call("ZREM", KEYS[2], ARGV[1])
return 1`;

// The subject-wide scripts on one server derive each value key from the
// index key (lua/includes/value-key.lua); listing is ZRANGE 0 -1 WITHSCORES
// (lua/includes/index-entries.lua).
const LIST = `local entries = redis.call("ZRANGE", KEYS[1], 0, -1, "WITHSCORES")
local base = string.sub(KEYS[1], 1, -2) .. "s:"`;

/** read-all-1.lua, every session live: ZRANGE WITHSCORES, one GET per session. */
const readAll = `${LIST}
local sessions = {}
for i = 1, #entries, 2 do
  sessions[i] = entries[i]
  sessions[i + 1] = redis.call("GET", base .. entries[i])
end
return sessions`;

/** count-1.lua, every session live: ZRANGE WITHSCORES, one EXISTS per session. */
const count = `${LIST}
for i = 1, #entries, 2 do
  redis.call("EXISTS", base .. entries[i])
end
return #entries / 2`;

/**
 * delete-all-1.lua, every session live: ZRANGE WITHSCORES, one DEL per
 * session, DEL of the index. Replies the ids: the caller reports each as
 * 'deleted' and has not seen them.
 */
const deleteAll = `${LIST}
local ids = {}
for i = 1, #entries, 2 do
  redis.call("DEL", base .. entries[i])
  ids[#ids + 1] = entries[i]
end
redis.call("DEL", KEYS[1])
return ids`;

/**
 * delete-others-1.lua, every session live: ZRANGE WITHSCORES, one DEL per
 * other session, one ZREM of them all. Replies the ids ended.
 */
const deleteOthers = `${LIST}
local ids = {}
for i = 1, #entries, 2 do
  if entries[i] ~= ARGV[1] then
    redis.call("DEL", base .. entries[i])
    ids[#ids + 1] = entries[i]
  end
end
redis.call("ZREM", KEYS[1], unpack(ids))
return ids`;

/** The floor scripts, by the operation whose calls they make. */
export const FLOORS = {
  insertFirstSession,
  insertExistingIndex,
  read,
  readAndTouchSkip,
  readAndTouchSlide,
  touch,
  update,
  rotate,
  delete: del,
  readAll,
  count,
  deleteAll,
  deleteOthers,
} as const;
