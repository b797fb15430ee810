-- Applies one batch's part for ONE rollout atomically: every key carries the rollout's hash tag.
--
-- KEYS[1]  batch markers (ZSET digest -> ms): a retried batch is applied once, on any replica
-- KEYS[2]  active series (ZSET series id -> last seen ms): the cardinality cap
-- KEYS[3+] series state hashes and bucket hashes, referenced by index from ARGV[1]
-- ARGV[1]  JSON { d, now, mttl, cap, sttl, fresh, sttlSec, tg, p } (see ingest-script.ts)
--
-- Returns { applied (1, or 0 when the batch was seen before), accepted, refused by the cap, ignored }.

local p = cjson.decode(ARGV[1])
local markers, active = KEYS[1], KEYS[2]

if p.d ~= '' and redis.call('ZSCORE', markers, p.d) then
  return { 0, 0, 0, 0 }
end

-- Lua's tostring keeps 14 digits; 17 round-trip a double exactly.
local function num(x)
  return string.format('%.17g', x)
end

-- Contributions are summed per target group (one metric, cohort and 10 s bucket) while ops are read,
-- then spread over the group's keys once: a batch of thousands of points ends in a few hundred writes.
local groups = {}
local ttls = {}

local function group_of(g)
  local acc = groups[g]
  if acc == nil then
    acc = { adds = {} }
    groups[g] = acc
  end
  return acc
end

local function add(g, vec)
  local a = group_of(g).adds
  for f, v in pairs(vec) do
    if v ~= 0 then a[f] = (a[f] or 0) + v end
  end
end

local function extremes(g, op)
  local acc = group_of(g)
  if op.mn ~= nil and (acc.mn == nil or op.mn < acc.mn) then acc.mn = op.mn end
  if op.mx ~= nil and (acc.mx == nil or op.mx > acc.mx) then acc.mx = op.mx end
  if op.lt ~= nil and (acc.lt == nil or op.lt >= acc.lt) then
    acc.lv = op.lv
    acc.lt = op.lt
  end
end

-- An exponential histogram may lower its scale during a cumulative stream (the SDK merges buckets
-- pairwise when values spread): fold the previous vector's buckets to the current scale before
-- subtracting, or every downscale would read as a reset and count the whole history again.
local function scale_of(vec)
  local lowest
  for f in pairs(vec) do
    local s = string.match(f, '^e:(%-?%d+):')
    if s then
      s = tonumber(s)
      if lowest == nil or s < lowest then lowest = s end
    end
  end
  return lowest
end

local function fold(vec, target)
  local out = {}
  for f, v in pairs(vec) do
    local s, sign, idx = string.match(f, '^e:(%-?%d+):([pn]):(%-?%d+)$')
    if s and tonumber(s) > target then
      local nidx = math.floor(tonumber(idx) / 2 ^ (tonumber(s) - target))
      f = 'e:' .. target .. ':' .. sign .. ':' .. nidx
    end
    out[f] = (out[f] or 0) + v
  end
  return out
end

-- The increase of a cumulative vector since the previous one, or nil when there is nothing to count.
local function increase(op, prev)
  local cur = op.v
  if prev == nil then
    -- A series seen for the first time: its value is the total since its start. That is an increase
    -- within the rollout only when the series started after `fresh`; otherwise it is the reference.
    if op.st > 0 and op.st >= p.fresh then return cur end
    return nil
  end
  if op.st > 0 and prev.st > 0 and op.st ~= prev.st then return cur end
  local before = prev.v
  local cs = scale_of(cur)
  local ps = scale_of(before)
  if cs ~= nil and ps ~= nil and ps > cs then before = fold(before, cs) end
  local inc, reset = {}, false
  for f, v in pairs(cur) do
    local d = v - (before[f] or 0)
    if d < 0 and op.mono and f ~= 's' then reset = true end
    inc[f] = d
  end
  if op.mono then
    for f, v in pairs(before) do
      if cur[f] == nil and v > 0 and f ~= 's' then reset = true end
    end
  end
  if reset then return cur end
  return inc
end

local accepted, refused, ignored = 0, 0, 0
local cutoff = p.now - p.sttl
redis.call('ZREMRANGEBYSCORE', active, '-inf', '(' .. cutoff)

-- Each redis.call costs microseconds: series are read and written a chunk at a time, not one by one.
local CHUNK = 1000
local function chunks(list, each)
  for i = 1, #list, CHUNK do
    local last = math.min(i + CHUNK - 1, #list)
    each(unpack(list, i, last))
  end
end

-- 1. Which series are known (ZMSCORE), then admit new ones in order under the cap.
local sids, seen = {}, {}
for _, op in ipairs(p.p) do
  if not seen[op.sid] then
    seen[op.sid] = true
    sids[#sids + 1] = op.sid
  end
end
local known = {}
chunks(sids, function(...)
  local scores = redis.call('ZMSCORE', active, ...)
  for i = 1, select('#', ...) do
    if scores[i] then known[select(i, ...)] = true end
  end
end)
local admitted, room = {}, p.cap - redis.call('ZCARD', active)
local members = {}
for _, sid in ipairs(sids) do
  if known[sid] or p.cap <= 0 or room > 0 then
    if not known[sid] then room = room - 1 end
    admitted[sid] = true
    members[#members + 1] = p.now
    members[#members + 1] = sid
  end
end
for i = 1, #members, 2 * CHUNK do
  redis.call('ZADD', active, unpack(members, i, math.min(i + 2 * CHUNK - 1, #members)))
end

-- 2. The previous state of every cumulative series, per state hash (HMGET).
local fields_of = {}
for _, op in ipairs(p.p) do
  if op.k == 'c' and admitted[op.sid] then
    local sk = KEYS[op.sk]
    local f = fields_of[sk]
    if f == nil then
      f = { list = {}, seen = {} }
      fields_of[sk] = f
    end
    if not f.seen[op.sid] then
      f.seen[op.sid] = true
      f.list[#f.list + 1] = op.sid
    end
  end
end
local states, changed = {}, {}
for sk, f in pairs(fields_of) do
  local st = {}
  states[sk] = st
  changed[sk] = {}
  chunks(f.list, function(...)
    local raws = redis.call('HMGET', sk, ...)
    for i = 1, select('#', ...) do
      if raws[i] then st[select(i, ...)] = cmsgpack.unpack(raws[i]) end
    end
  end)
end

-- 3. Every op in order: several points of one series in a batch each see the one before.
for _, op in ipairs(p.p) do
  local np = op.np or 1
  if not admitted[op.sid] then
    refused = refused + np
  elseif op.k == 'c' then
    local sk = KEYS[op.sk]
    local prev = states[sk][op.sid]
    if prev ~= nil and op.ts <= prev.ts then
      ignored = ignored + np
    else
      local inc = increase(op, prev)
      states[sk][op.sid] = { st = op.st, ts = op.ts, v = op.v }
      changed[sk][op.sid] = true
      if inc ~= nil then add(op.t, inc) end
      extremes(op.t, op)
      accepted = accepted + np
    end
  else
    add(op.t, op.v)
    extremes(op.t, op)
    accepted = accepted + np
  end
end

for sk, which in pairs(changed) do
  local pairs_list = {}
  for sid in pairs(which) do
    pairs_list[#pairs_list + 1] = sid
    pairs_list[#pairs_list + 1] = cmsgpack.pack(states[sk][sid])
  end
  for i = 1, #pairs_list, 2 * CHUNK do
    redis.call('HSET', sk, unpack(pairs_list, i, math.min(i + 2 * CHUNK - 1, #pairs_list)))
  end
  if #pairs_list > 0 and (ttls[sk] or 0) < p.sttlSec then ttls[sk] = p.sttlSec end
end

-- Spread each group over its keys; a key shared by groups (the 5 min and 1 h buckets, the wave
-- total) merges their sums, minima, maxima and latest values first.
local adds, marks = {}, {}
for g, acc in pairs(groups) do
  for _, kt in ipairs(p.tg[g + 1]) do
    local key = KEYS[kt[1]]
    if (ttls[key] or 0) < kt[2] then ttls[key] = kt[2] end
    local a = adds[key]
    if a == nil then
      a = {}
      adds[key] = a
      marks[key] = {}
    end
    for f, v in pairs(acc.adds) do a[f] = (a[f] or 0) + v end
    local m = marks[key]
    if acc.mn ~= nil and (m.mn == nil or acc.mn < m.mn) then m.mn = acc.mn end
    if acc.mx ~= nil and (m.mx == nil or acc.mx > m.mx) then m.mx = acc.mx end
    if acc.lt ~= nil and (m.lt == nil or acc.lt >= m.lt) then
      m.lv = acc.lv
      m.lt = acc.lt
    end
  end
end
for key, a in pairs(adds) do
  for f, v in pairs(a) do
    if v ~= 0 then redis.call('HINCRBYFLOAT', key, f, num(v)) end
  end
  local m = marks[key]
  if m.mn ~= nil or m.mx ~= nil or m.lt ~= nil then
    local cur = redis.call('HMGET', key, 'mn', 'mx', 'lt')
    if m.mn ~= nil and (not cur[1] or m.mn < tonumber(cur[1])) then redis.call('HSET', key, 'mn', num(m.mn)) end
    if m.mx ~= nil and (not cur[2] or m.mx > tonumber(cur[2])) then redis.call('HSET', key, 'mx', num(m.mx)) end
    if m.lt ~= nil and (not cur[3] or m.lt >= tonumber(cur[3])) then
      redis.call('HSET', key, 'lv', num(m.lv), 'lt', num(m.lt))
    end
  end
end
for key, ttl in pairs(ttls) do
  if redis.call('EXISTS', key) == 1 then redis.call('EXPIRE', key, ttl) end
end
redis.call('PEXPIRE', active, p.sttl * 2)

if p.d ~= '' then
  redis.call('ZADD', markers, p.now, p.d)
  redis.call('ZREMRANGEBYSCORE', markers, '-inf', '(' .. (p.now - p.mttl))
  redis.call('PEXPIRE', markers, p.mttl)
end

return { 1, accepted, refused, ignored }
