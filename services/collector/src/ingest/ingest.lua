-- Applies one batch's part for ONE rollout atomically: every key carries the rollout's hash tag.
--
-- The collector has done the arithmetic (increases of cumulative series, sums per bucket key); this
-- script checks what that arithmetic assumed and, only when all of it holds, writes:
--   1. the batch was not applied before (its digest is not among the markers);
--   2. every series to mark active is admitted under the cardinality cap, else nothing is written and
--      the refused series are returned (the collector leaves them out and calls again);
--   3. every cumulative series' stored state is the one the increase was computed from, else nothing
--      is written and the differing series are returned (the collector reads them and computes again);
--      a section whose hash still holds the writer token its collector expects, and whose states that
--      collector vouches for, is taken as stored without reading it; one sent without its expected
--      states (vouched for, the collector counting on the token) whose hash holds another token is
--      named instead, nothing written, and the collector sends the call again with them.
-- One write comes before the checks, whatever they find: each state key's upgrade fence, which moves
-- states left under the key's older name without changing them (see `fence` below).
--
-- The arguments, the list's records and the replies are described once, in script-protocol.ts, which
-- puts a generated header before this body: KEY, FIRST_TABLE_KEY, ARG, STATE, BUCKET, TAIL, REPLY.
-- Every position here is read through those names.

local markers, active = KEYS[KEY.markers], KEYS[KEY.activeSeries]
local digest = ARGV[ARG.digest]
if digest ~= '' and redis.call('ZSCORE', markers, digest) then return { REPLY.seenBefore } end

local now, marker_ms = tonumber(ARGV[ARG.nowMs]), tonumber(ARGV[ARG.markerMs])
local cap, active_ms = tonumber(ARGV[ARG.maxActiveSeries]), tonumber(ARGV[ARG.activeSeriesMs])
local state_ttl = tonumber(ARGV[ARG.stateTtlSeconds])
local writer_token = ARGV[ARG.writerToken]
local n_mark, n_states = tonumber(ARGV[ARG.markCount]), tonumber(ARGV[ARG.stateKeyCount])
local n_buckets = tonumber(ARGV[ARG.bucketCount])
-- Splits a newline-separated list (the states a section expects).
local function split(list)
  local parts, find, sub = {}, string.find, string.sub
  local at, n = 1, 0
  while list ~= '' do
    local stop = find(list, '\n', at, true)
    n = n + 1
    if not stop then
      parts[n] = sub(list, at)
      break
    end
    parts[n] = sub(list, at, stop - 1)
    at = stop + 1
  end
  return parts
end
-- Everything per series comes in one list, a JSON array of strings: thousands of separate arguments
-- cost the collector several times what decoding one costs Redis, and cjson makes its strings in C.
local A = cjson.decode(ARGV[ARG.list])

-- Each redis.call costs microseconds: arguments go a thousand at a time.
local CHUNK = 1000

redis.call('ZREMRANGEBYSCORE', active, '-inf', '(' .. (now - active_ms))

-- 2. Admission: known series always, new ones in order while there is room.
local mark_at = 1
if cap > 0 and n_mark > 0 then
  local room = cap - redis.call('ZCARD', active)
  -- Whether the cap was full before this call came (1): then none of its series took room that another
  -- call's could have had, and those refused stay refused until series go silent for `active_ms`.
  local refused = { REPLY.refusedByCap, room <= 0 and 1 or 0 }
  for i = 0, n_mark - 1, CHUNK do
    local first = mark_at + i
    local last = math.min(first + CHUNK - 1, mark_at + n_mark - 1)
    local scores = redis.call('ZMSCORE', active, unpack(A, first, last))
    for j = 1, last - first + 1 do
      if not scores[j] then
        if room > 0 then
          room = room - 1
        else
          refused[#refused + 1] = A[first + j - 1]
        end
      end
    end
  end
  if #refused > 2 then return refused end
end

-- 3. Every cumulative state as the collector expects it.
--
-- Writer tokens: every call this script applies writes its own token (unique: a collector's random id
-- and a counter) into WRITER_FIELD of each state hash it writes, and whatever else writes or removes
-- series states changes or removes that field too. So when a hash still holds the token its collector
-- expects, nothing has written it since that collector's call that wrote the token; the states that
-- collector vouches for (written or compared equal by its calls since its chain of tokens last broke,
-- series-state.ts) are then exactly the stored ones, and their reading and comparing is skipped. Any
-- other token (another collector, retention, an expired hash, a Redis that lost writes): all compared.
-- The upgrade fence (script-protocol.ts): series states left under a key's older name, written by a
-- collector of the version before writer tokens, move to the key with their series' continuity; then
-- the older name holds a STRING for FENCE_TTL seconds. That version's script reads the older name with
-- HMGET before it writes anything, so it fails (WRONGTYPE) instead of writing states behind this key's
-- token. Set again by every call: up while this version writes the key, gone FENCE_TTL after its last
-- call (the collectors of a downgrade then start their states afresh under the older name).
local function fence(old, key)
  if redis.call('TYPE', old).ok == 'hash' then
    if redis.call('EXISTS', key) == 0 then
      redis.call('RENAME', old, key)
    else
      -- Written since the fence expired, so after every state the key holds: their series take them.
      local fields = redis.call('HGETALL', old)
      for i = 1, #fields, 2 * CHUNK do
        redis.call('HSET', key, unpack(fields, i, math.min(i + 2 * CHUNK - 1, #fields)))
      end
    end
    -- Older collectors wrote these states: whoever holds the token must compare them (a hash renamed
    -- back for a downgrade, deploy/README.md, keeps the token of the last newer call).
    redis.call('HDEL', key, WRITER_FIELD)
  end
  redis.call('SET', old, FENCE_TEXT, 'EX', FENCE_TTL)
end

local at = mark_at + n_mark
local sections = {}
local changed = { REPLY.changed }
local unvouched = { REPLY.unvouched }
local applied = { REPLY.applied }
for s = 1, n_states do
  local key_index, n = tonumber(A[at + STATE.keyIndex]), tonumber(A[at + STATE.count])
  local expected_token, vouched = A[at + STATE.expectedToken], A[at + STATE.vouched] == '1'
  local expected_sent = A[at + STATE.expectedSent] == '1'
  local first = at + STATE.size
  sections[s] = { key = KEYS[key_index], n = n, first = first }
  fence(KEYS[tonumber(A[at + STATE.fenceKeyIndex])], KEYS[key_index])
  local stored_token = redis.call('HGET', KEYS[key_index], WRITER_FIELD) or ''
  if stored_token ~= expected_token then
    applied[#applied + 1] = key_index
    applied[#applied + 1] = stored_token
  end
  if vouched and expected_token ~= '' and stored_token == expected_token then
    -- Vouched for: taken as expected, unread.
  elseif not expected_sent then
    -- Vouched for by a token the hash no longer holds, and nothing to compare with: the collector
    -- sends the call again with the expected states.
    unvouched[#unvouched + 1] = key_index
  else
    local have = {}
    for i = 0, n - 1, CHUNK do
      local last = math.min(i + CHUNK, n) - 1
      local ids = {}
      for j = 0, last - i do ids[j + 1] = A[first + 2 * (i + j)] end
      local stored = redis.call('HMGET', KEYS[key_index], unpack(ids))
      for j = 1, #ids do have[i + j] = stored[j] or '' end
    end
    -- One comparison of the whole list: no expected state holds a newline, so equal joins mean
    -- equal states. Only when they differ is each one compared, to say which.
    local wanted = ARGV[ARG.list + s]
    if table.concat(have, '\n') ~= wanted then
      local expected = split(wanted)
      for i = 1, n do
        local want, got = expected[i] or '', have[i]
        if got ~= want and not (string.byte(want, 1) == 35 and redis.sha1hex(got) == string.sub(want, 2)) then
          changed[#changed + 1] = key_index
          changed[#changed + 1] = A[first + 2 * (i - 1)]
        end
      end
    end
  end
  at = first + 2 * n
end
if #unvouched > 1 then return unvouched end
if #changed > 1 then return changed end

-- Everything holds: write.
if n_mark > 0 then
  local members = {}
  for i = mark_at, mark_at + n_mark - 1 do
    members[#members + 1] = now
    members[#members + 1] = A[i]
    if #members >= 2 * CHUNK then
      redis.call('ZADD', active, unpack(members))
      members = {}
    end
  end
  if #members > 0 then redis.call('ZADD', active, unpack(members)) end
end
redis.call('PEXPIRE', active, active_ms * 2)

-- Redis keeps a hash of up to hash-max-listpack-entries fields (512 by default) as a listpack, where
-- each field is found by a scan: reading and writing 100 series of a 100-series state hash cost 6–10×
-- what they cost in a hash table. A value longer than hash-max-listpack-value (64 by default) turns
-- a hash into a table, which it stays until Redis loads it from disk: `as_table` writes one under
-- PLACEHOLDER (no series id or bucket field), which the caller removes once the hash holds its own
-- fields (an empty hash is deleted).
local PLACEHOLDER = '\n'
local function as_table(key)
  redis.call('HSET', key, PLACEHOLDER, string.rep('-', 4096))
end
local function is_listpack(key)
  local encoding = redis.call('OBJECT', 'ENCODING', key)
  return encoding == 'listpack' or encoding == 'ziplist'
end

-- A bucket hash stays a listpack while it is small (a counter's bucket holds one field), but a raw
-- value's sketch adds a field per bin, a few hundred for a gauge whose values vary, and each increment
-- then scans them (HINCRBYFLOAT 2.2–3.9 µs there, 1.3–1.4 in a table). A bucket that would pass
-- BUCKET_TABLE_AFTER fields becomes a table first, at about five times the memory of its listpack
-- (the evaluator's sweep compacts it once finished, bucket-compaction.ts). Returns whether the
-- placeholder is there.
local BUCKET_TABLE_AFTER = 128
local function bucket_as_table(key, adding)
  local have = redis.call('HLEN', key)
  if have + adding <= BUCKET_TABLE_AFTER or (have > 0 and not is_listpack(key)) then return false end
  as_table(key)
  return true
end

for _, sec in ipairs(sections) do
  local key, n, first = sec.key, sec.n, sec.first
  for i = 0, n - 1, CHUNK do
    local last = math.min(i + CHUNK, n) - 1
    redis.call('HSET', key, unpack(A, first + 2 * i, first + 2 * last + 1))
  end
  if n > 0 then
    redis.call('HSET', key, WRITER_FIELD, writer_token)
    redis.call('EXPIRE', key, state_ttl)
    if is_listpack(key) then
      as_table(key)
      redis.call('HDEL', key, PLACEHOLDER)
    end
  end
end

for _ = 1, n_buckets do
  local key, ttl = KEYS[tonumber(A[at + BUCKET.keyIndex])], A[at + BUCKET.ttlSeconds]
  local n = tonumber(A[at + BUCKET.fieldCount])
  at = at + BUCKET.size
  -- One field (a counter's increase) or a few: no bucket of those grows past the limit.
  local placeholder = n >= 4 and bucket_as_table(key, n)
  for i = at, at + 2 * n - 1, 2 do
    redis.call('HINCRBYFLOAT', key, A[i], A[i + 1])
  end
  if placeholder then redis.call('HDEL', key, PLACEHOLDER) end
  at = at + 2 * n
  local mn, mx = A[at + TAIL.min], A[at + TAIL.max]
  local lv, lt = A[at + TAIL.lastValue], A[at + TAIL.lastTime]
  at = at + TAIL.size
  if mn ~= '' or mx ~= '' or lt ~= '' then
    local cur = redis.call('HMGET', key, 'mn', 'mx', 'lt')
    if mn ~= '' and (not cur[1] or tonumber(mn) < tonumber(cur[1])) then redis.call('HSET', key, 'mn', mn) end
    if mx ~= '' and (not cur[2] or tonumber(mx) > tonumber(cur[2])) then redis.call('HSET', key, 'mx', mx) end
    if lt ~= '' and (not cur[3] or tonumber(lt) >= tonumber(cur[3])) then redis.call('HSET', key, 'lv', lv, 'lt', lt) end
  end
  -- A field added means the key exists; only a record of extremes that changed nothing may find none.
  if n > 0 or redis.call('EXISTS', key) == 1 then redis.call('EXPIRE', key, ttl) end
end

if digest ~= '' then
  redis.call('ZADD', markers, now, digest)
  redis.call('ZREMRANGEBYSCORE', markers, '-inf', '(' .. (now - marker_ms))
  redis.call('PEXPIRE', markers, marker_ms)
end

return applied
