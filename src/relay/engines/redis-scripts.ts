/**
 * The Redis engine's Lua scripts. Each runs atomically on the server, on the keys of one token
 * (hash-tagged `{token}`, so both keys live on one Redis Cluster slot).
 *
 * Per token: a meta hash `e` (epoch), `s` (last offset), `b` (bytes held), a stream whose entry
 * IDs are the offsets (`7-0`), fields `d` (the message's JSON text) and `t` (accepted at, ms), and a
 * producer counter. With a token TTL, all of them expire after that long without a write or a read.
 * A missing meta hash means the history is gone (a Redis restart without persistence, a flush, an
 * eviction): the next publish or read starts a new epoch, and any stream left without it is dropped.
 *
 * `#!lua` (Redis 7): Redis then checks a script before it runs it. A script without it is run in the
 * old way, where an out-of-memory Redis refuses its first write only when the script reaches it: a
 * publish could take an offset and then fail to store the message.
 */

/**
 * KEYS: meta, stream, producer counter. ARGV: epoch to start if none, max messages, max bytes,
 * channel, TTL in ms (0: none), then one (text, time) pair per message, in order. Stores them with
 * consecutive offsets, trims once, publishes each as `epoch:offset:time:text`, and lets the token's
 * keys expire after the TTL without a write or a read. Returns {first offset, epoch}.
 */
export const PUBLISH_SCRIPT = `#!lua
local meta, stream, producer = KEYS[1], KEYS[2], KEYS[3]
local maxMessages, maxBytes, channel, ttl = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local epoch = redis.call('hget', meta, 'e')
if not epoch then
  epoch = ARGV[1]
  redis.call('del', stream)
  redis.call('hset', meta, 'e', epoch, 's', 0, 'b', 0)
end
local count = (#ARGV - 5) / 2
local last = redis.call('hincrby', meta, 's', count)
local first = last - count + 1
local added = 0
for i = 0, count - 1 do
  local text, time = ARGV[6 + 2 * i], ARGV[7 + 2 * i]
  redis.call('xadd', stream, (first + i) .. '-0', 'd', text, 't', time)
  added = added + #text
end
local bytes = redis.call('hincrby', meta, 'b', added)
local length = redis.call('xlen', stream)
local function over(dropped, droppedBytes)
  local kept = length - dropped
  return kept > maxMessages or (bytes - droppedBytes > maxBytes and kept > 1)
end
if over(0, 0) then
  -- Oldest first until within both limits (the newest message always stays); each entry is read
  -- once in its life, so trimming costs O(1) per message over time.
  local dropped, droppedBytes, oldest, from = 0, 0, nil, '-'
  while over(dropped, droppedBytes) do
    local batch = redis.call('xrange', stream, from, '+', 'COUNT', 64)
    if #batch == 0 then break end
    for _, entry in ipairs(batch) do
      if not over(dropped, droppedBytes) then break end
      dropped = dropped + 1
      droppedBytes = droppedBytes + #entry[2][2]
      oldest = entry[1]
    end
    from = '(' .. oldest
  end
  if oldest then
    redis.call('xtrim', stream, 'MINID', (tonumber(string.match(oldest, '^%d+')) + 1) .. '-0')
    redis.call('hincrby', meta, 'b', -droppedBytes)
  end
end
if ttl > 0 then
  redis.call('pexpire', meta, ttl)
  redis.call('pexpire', stream, ttl)
  redis.call('pexpire', producer, ttl)
end
for i = 0, count - 1 do
  redis.call('publish', channel, epoch .. ':' .. (first + i) .. ':' .. ARGV[7 + 2 * i] .. ':' .. ARGV[6 + 2 * i])
end
return {first, epoch}
`;

/**
 * KEYS: meta, stream. ARGV: an epoch to answer with if the token has none, first offset wanted, TTL
 * in ms (0: none). Returns {epoch, last offset, entries from that offset on}. A read keeps a token
 * for another TTL; a token never written (or whose history is gone) is not made by a read: nothing
 * is stored for it (a viewer of a million made-up tokens leaves no key), and the publish that writes
 * it first starts its epoch.
 */
export const HISTORY_SCRIPT = `#!lua
local meta, stream, ttl = KEYS[1], KEYS[2], tonumber(ARGV[3])
local state = redis.call('hmget', meta, 'e', 's')
local epoch, last = state[1], state[2]
if not epoch then
  redis.call('del', stream)
  return {ARGV[1], 0, {}}
end
if ttl > 0 then
  redis.call('pexpire', meta, ttl)
  redis.call('pexpire', stream, ttl)
end
return {epoch, tonumber(last), redis.call('xrange', stream, ARGV[2] .. '-0', '+')}
`;

/**
 * KEYS: the token's producer counter. ARGV: channel, token, TTL in ms (0: none; a publish renews it
 * while the producer writes). Returns the claim, published as `claim:token`.
 */
export const CLAIM_SCRIPT = `#!lua
local claim = redis.call('incr', KEYS[1])
if tonumber(ARGV[3]) > 0 then redis.call('pexpire', KEYS[1], tonumber(ARGV[3])) end
redis.call('publish', ARGV[1], claim .. ':' .. ARGV[2])
return claim
`;

/*
 * Hosted charts: a hash per chart (`figure`, `editKeyHash`, `owner`, `worldReadable`, `shareKey`,
 * `revision`, `created`, `updated`), a hash of how many charts each owner keeps, a count of all and
 * of their figures' bytes, every key hash-tagged `{charts}` (one Cluster slot). Edits and deletions are published (the
 * chart's id) so every relay's viewers hear of them.
 */

/**
 * KEYS: the chart, the owners' counts, the count, the bytes, the names. ARGV: max charts, max per
 * owner, owner, max bytes, the figure's bytes, the name's field (owner, newline, filename; empty
 * for none), the id, then the chart's field/value pairs. Returns `ok`, or `exists`, `name-taken`,
 * `full`, `owner-full`.
 */
export const CHART_CREATE_SCRIPT = `#!lua
if redis.call('exists', KEYS[1]) == 1 then return 'exists' end
if ARGV[6] ~= '' and redis.call('hexists', KEYS[5], ARGV[6]) == 1 then return 'name-taken' end
if tonumber(redis.call('get', KEYS[3]) or '0') >= tonumber(ARGV[1]) then return 'full' end
if tonumber(redis.call('get', KEYS[4]) or '0') + tonumber(ARGV[5]) > tonumber(ARGV[4]) then return 'full' end
if tonumber(redis.call('hget', KEYS[2], ARGV[3]) or '0') >= tonumber(ARGV[2]) then return 'owner-full' end
redis.call('hset', KEYS[1], unpack(ARGV, 8))
if ARGV[6] ~= '' then redis.call('hset', KEYS[5], ARGV[6], ARGV[7]) end
redis.call('incr', KEYS[3])
redis.call('incrby', KEYS[4], tonumber(ARGV[5]))
redis.call('hincrby', KEYS[2], ARGV[3], 1)
return 'ok'
`;
/**
 * KEYS: the chart, the bytes. ARGV: the revision the edit was made on, figure, worldReadable,
 * shareKey, updated, channel, id, max bytes. Returns `ok`, `missing`, `conflict` (another edit
 * came first) or `full`.
 */
export const CHART_UPDATE_SCRIPT = `#!lua
local revision = redis.call('hget', KEYS[1], 'revision')
if not revision then return 'missing' end
if revision ~= ARGV[1] then return 'conflict' end
local grows = string.len(ARGV[2]) - redis.call('hstrlen', KEYS[1], 'figure')
if grows > 0 and tonumber(redis.call('get', KEYS[2]) or '0') + grows > tonumber(ARGV[8]) then return 'full' end
redis.call('incrby', KEYS[2], grows)
redis.call('hset', KEYS[1], 'figure', ARGV[2], 'worldReadable', ARGV[3], 'shareKey', ARGV[4], 'updated', ARGV[5], 'revision', tonumber(revision) + 1)
redis.call('publish', ARGV[6], ARGV[7])
return 'ok'
`;

/**
 * KEYS: the chart, the owners' counts, the count, the bytes, the names. ARGV: channel, id. Returns
 * 1, or 0 when there was no chart.
 */
export const CHART_DELETE_SCRIPT = `#!lua
local owner = redis.call('hget', KEYS[1], 'owner')
if not owner then return 0 end
local filename = redis.call('hget', KEYS[1], 'filename')
if filename and filename ~= '' and redis.call('hget', KEYS[5], owner .. '\\n' .. filename) == ARGV[2] then
  redis.call('hdel', KEYS[5], owner .. '\\n' .. filename)
end
redis.call('decrby', KEYS[4], redis.call('hstrlen', KEYS[1], 'figure'))
redis.call('del', KEYS[1])
redis.call('decr', KEYS[3])
if redis.call('hincrby', KEYS[2], owner, -1) <= 0 then redis.call('hdel', KEYS[2], owner) end
redis.call('publish', ARGV[1], ARGV[2])
return 1
`;
