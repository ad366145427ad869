/**
 * Lua scripts of the Redis room store. Each runs atomically inside Redis, so every
 * membership change is one indivisible step no matter how many nodes race.
 *
 * Key layout (P = `REDIS_PREFIX`, E = {@link encodeRoom}(room), ref = `E|id`):
 * - `P r:E:m`     hash   member id → JSON `{p: Peer, s: socketId|'' , n: nodeId, t: tokenHash, g: graceDeadlineMs,
 *                         pt?: previous tokenHash, pe?: until when pt still resumes (ms)}`
 * - `P r:E:pwd`   string the room's password record (absent: open room)
 * - `P rooms`     set    E of every non-empty room (for metrics)
 * - `P count`     string number of members in all rooms (for metrics)
 * - `P tok:H`     string ref of the member whose resume token hashes to H
 * - `P nodes`     zset   nodeId → last heartbeat (Redis clock, ms)
 * - `P nodes:since` hash nodeId → start of its current run of healthy heartbeats (ms)
 * - `P node:N`    set    refs of members bound to node N (so a dead node's members can be found)
 * - `P grace`     zset   ref → grace deadline (ms) of members waiting to resume
 * - `P made:A`    string rooms created by client address A (base64url) in the current window;
 *                        expires with the window (`ROOMS_PER_ADDRESS_PER_HOUR`)
 *
 * Keys are derived inside the scripts from `P`, so the scripts need a single Redis
 * (standalone or a primary with replicas), not Redis Cluster.
 *
 * @module
 */

/** Shared helpers prepended to every script. */
const HELPERS = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function split_ref(ref)
  local at = string.find(ref, '|', 1, true)
  return string.sub(ref, 1, at - 1), string.sub(ref, at + 1)
end
local function remove_member(P, enc, id)
  local mkey = P .. 'r:' .. enc .. ':m'
  local raw = redis.call('HGET', mkey, id)
  if not raw then return false end
  local m = cjson.decode(raw)
  local ref = enc .. '|' .. id
  redis.call('HDEL', mkey, id)
  redis.call('DEL', P .. 'tok:' .. m.t)
  if m.pt then redis.call('DEL', P .. 'tok:' .. m.pt) end
  redis.call('SREM', P .. 'node:' .. m.n, ref)
  redis.call('ZREM', P .. 'grace', ref)
  redis.call('DECR', P .. 'count')
  if redis.call('HLEN', mkey) == 0 then
    redis.call('DEL', mkey, P .. 'r:' .. enc .. ':pwd')
    redis.call('SREM', P .. 'rooms', enc)
  end
  return m
end
`;

/**
 * ARGV: P, E, id, record, maxSize, expectPassword, createPassword, tokenHash, nodeId,
 * quotaKey ('' = no quota), quotaLimit, quotaWindowMs, announceChannel ('' = none),
 * announceMessage (published with SPUBLISH once the member is in).
 * Returns `{'ok', {otherRecords...}, created ('1'/'0')}`, `{'full'}`, `{'no-create'}` or
 * `{'password', currentRecord}`.
 * Password and capacity are checked in the same step as the insert, so two joiners can
 * never both take the last place, and the first joiner's password wins atomically. So is
 * the creation quota of the joiner's address (`P made:A`), shared by every node.
 */
export const JOIN = `${HELPERS}
local P, enc, id = ARGV[1], ARGV[2], ARGV[3]
local mkey = P .. 'r:' .. enc .. ':m'
local pkey = P .. 'r:' .. enc .. ':pwd'
local n = redis.call('HLEN', mkey)
if n > 0 then
  local pwd = redis.call('GET', pkey) or ''
  if pwd ~= ARGV[6] then return {'password', pwd} end
  if n >= tonumber(ARGV[5]) then return {'full'} end
else
  if ARGV[10] ~= '' then
    local qkey = P .. 'made:' .. ARGV[10]
    if tonumber(redis.call('GET', qkey) or '0') >= tonumber(ARGV[11]) then return {'no-create'} end
    if redis.call('INCR', qkey) == 1 then redis.call('PEXPIRE', qkey, ARGV[12]) end
  end
  redis.call('DEL', pkey)
  if ARGV[7] ~= '' then redis.call('SET', pkey, ARGV[7]) end
  redis.call('SADD', P .. 'rooms', enc)
end
local others = redis.call('HVALS', mkey)
local ref = enc .. '|' .. id
redis.call('HSET', mkey, id, ARGV[4])
redis.call('SET', P .. 'tok:' .. ARGV[8], ref)
redis.call('SADD', P .. 'node:' .. ARGV[9], ref)
-- A node that never ticked must still be findable by the reaper if it dies.
redis.call('ZADD', P .. 'nodes', 'NX', now_ms(), ARGV[9])
redis.call('INCR', P .. 'count')
if ARGV[13] ~= '' then redis.call('SPUBLISH', ARGV[13], ARGV[14]) end
return {'ok', others, n == 0 and '1' or '0'}
`;

/**
 * ARGV: P, tokenHash, newTokenHash, socketId, nodeId, retryWindowMs.
 * Returns false, or `{E, previousSocketId, selfRecord, {allRecords...}}`.
 *
 * The member keeps its previous token hash (`pt`) usable until `pe` (ms): a resume whose
 * answer was lost is retried with that token and succeeds; the token issued by the lost
 * answer is deleted then. The window is never extended by a retry, and a resume with the
 * current token replaces `pt`, so at most one older token is ever valid.
 */
export const RESUME = `${HELPERS}
local P, presented = ARGV[1], ARGV[2]
local tkey = P .. 'tok:' .. presented
local ref = redis.call('GET', tkey)
if not ref then return false end
local enc, id = split_ref(ref)
local mkey = P .. 'r:' .. enc .. ':m'
local raw = redis.call('HGET', mkey, id)
if not raw then
  redis.call('DEL', tkey)
  return false
end
local m = cjson.decode(raw)
local now = now_ms()
local window = tonumber(ARGV[6])
if presented == m.t then
  if m.pt then redis.call('DEL', P .. 'tok:' .. m.pt) end
  if window > 0 then
    m.pt = presented
    m.pe = now + window
    redis.call('SET', tkey, ref, 'PX', window)
  else
    m.pt = nil
    m.pe = nil
    redis.call('DEL', tkey)
  end
elseif presented == m.pt and now < (m.pe or 0) then
  redis.call('DEL', P .. 'tok:' .. m.t)
else
  redis.call('DEL', tkey)
  return false
end
local previous = m.s
redis.call('SET', P .. 'tok:' .. ARGV[3], ref)
redis.call('SREM', P .. 'node:' .. m.n, ref)
redis.call('SADD', P .. 'node:' .. ARGV[5], ref)
redis.call('ZADD', P .. 'nodes', 'NX', now, ARGV[5])
redis.call('ZREM', P .. 'grace', ref)
m.s = ARGV[4]
m.n = ARGV[5]
m.t = ARGV[3]
m.g = 0
local updated = cjson.encode(m)
redis.call('HSET', mkey, id, updated)
return {enc, previous, updated, redis.call('HVALS', mkey)}
`;

/** ARGV: P, E, id, socketId. Removes the member if bound to that socket; returns 1 or 0. */
export const LEAVE = `${HELPERS}
local P, enc, id = ARGV[1], ARGV[2], ARGV[3]
local raw = redis.call('HGET', P .. 'r:' .. enc .. ':m', id)
if not raw then return 0 end
if cjson.decode(raw).s ~= ARGV[4] then return 0 end
remove_member(P, enc, id)
return 1
`;

/** ARGV: P, E, id, socketId, graceMs. Returns 'grace', 'removed' or 'stale'. */
export const DISCONNECT = `${HELPERS}
local P, enc, id = ARGV[1], ARGV[2], ARGV[3]
local mkey = P .. 'r:' .. enc .. ':m'
local raw = redis.call('HGET', mkey, id)
if not raw then return 'stale' end
local m = cjson.decode(raw)
if m.s ~= ARGV[4] then return 'stale' end
local grace = tonumber(ARGV[5])
if grace <= 0 then
  remove_member(P, enc, id)
  return 'removed'
end
m.s = ''
m.g = now_ms() + grace
redis.call('HSET', mkey, id, cjson.encode(m))
redis.call('ZADD', P .. 'grace', m.g, enc .. '|' .. id)
return 'grace'
`;

/** ARGV: P, E, id, socketId, patchJson. Returns the updated peer JSON or false. */
export const UPDATE = `${HELPERS}
local P, enc, id = ARGV[1], ARGV[2], ARGV[3]
local mkey = P .. 'r:' .. enc .. ':m'
local raw = redis.call('HGET', mkey, id)
if not raw then return false end
local m = cjson.decode(raw)
if m.s ~= ARGV[4] then return false end
for k, v in pairs(cjson.decode(ARGV[5])) do m.p[k] = v end
redis.call('HSET', mkey, id, cjson.encode(m))
return cjson.encode(m.p)
`;

/**
 * ARGV: P, nodeId, deadAfterMs, firstTick ('1' on start-up), budget.
 * Heartbeats this node, removes members whose grace expired, and removes the members of
 * nodes whose heartbeat is older than deadAfterMs. Returns `reapedFlag, E, id, reason, ...`,
 * the flag being '1' when this node's own record had vanished since its previous tick
 * (another node reaped it), never on the first tick.
 *
 * A node reaps others only once its own heartbeat has been healthy (no gap longer than
 * deadAfterMs / 2) for a full deadAfterMs, measured on the Redis clock (`P nodes:since`
 * holds when the current healthy run began). After a Redis outage, or when this node's
 * own link to Redis was cut, every other node gets that long to reconnect and heartbeat
 * before it can be taken for dead; a node just started waits the same, so a node booting
 * into a recovering cluster cannot reap it either. A crashed node's members are still
 * reaped, only deadAfterMs later at most.
 * At most `budget` members go per call, so one tick never blocks Redis for long.
 */
export const TICK = `${HELPERS}
local P, self, deadAfter, budget = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[5])
local nodes = P .. 'nodes'
local now = now_ms()
local sinceKey = P .. 'nodes:since'
local prev = redis.call('ZSCORE', nodes, self)
redis.call('ZADD', nodes, now, self)
local since = tonumber(redis.call('HGET', sinceKey, self))
if not prev or not since or now - tonumber(prev) > deadAfter / 2 then
  since = now
  redis.call('HSET', sinceKey, self, now)
end
-- First element: '1' when our record had vanished since the last tick (we were reaped).
local out = {(ARGV[4] ~= '1' and not prev) and '1' or '0'}
for _, ref in ipairs(redis.call('ZRANGEBYSCORE', P .. 'grace', '-inf', now, 'LIMIT', 0, budget)) do
  local enc, id = split_ref(ref)
  local raw = redis.call('HGET', P .. 'r:' .. enc .. ':m', id)
  if raw and cjson.decode(raw).s == '' then
    remove_member(P, enc, id)
    table.insert(out, enc); table.insert(out, id); table.insert(out, 'disconnected')
  else
    redis.call('ZREM', P .. 'grace', ref)
  end
  budget = budget - 1
end
local mayReap = now - since >= deadAfter
if mayReap and budget > 0 then
  for _, node in ipairs(redis.call('ZRANGEBYSCORE', nodes, '-inf', now - deadAfter, 'LIMIT', 0, 5)) do
    if node ~= self and budget > 0 then
      local idx = P .. 'node:' .. node
      for _, ref in ipairs(redis.call('SPOP', idx, budget)) do
        local enc, id = split_ref(ref)
        local raw = redis.call('HGET', P .. 'r:' .. enc .. ':m', id)
        if raw and cjson.decode(raw).n == node then
          remove_member(P, enc, id)
          table.insert(out, enc); table.insert(out, id); table.insert(out, 'node-down')
        end
        budget = budget - 1
      end
      if redis.call('SCARD', idx) == 0 then
        redis.call('ZREM', nodes, node)
        redis.call('HDEL', sinceKey, node)
        redis.call('DEL', idx)
      end
    end
  end
end
return out
`;
