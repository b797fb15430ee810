-- apply-transition: the only writer of a rollout's state. In one atomic step it
--   1. checks the state's rev against the rev the caller read (compare-and-set),
--   2. writes the new state with rev + 1,
--   3. appends the audit entries to the rollout's stream,
--   4. stores each decision once (by its deterministic id) and indexes it by time,
--   5. stores the outbox entries of decisions that were new in this call.
-- A decision id that already exists means this exact decision was taken before (an evaluation retried
-- against the same state); its outbox entries are not stored again, so it is never delivered twice.
--
-- KEYS: 1 state, 2 audit stream, 3 decisions hash, 4 decisions index zset, 5 outbox hash
-- ARGV: 1 expected rev (0: no state yet), 2 new state JSON without rev, 3 now (ms),
--       4 audit count A, 5 decision count D, 6 outbox count O,
--       then A audit JSON strings, D triples (decision id, JSON, at ms), O triples (entry id, decision id, JSON)
-- Returns {1, newRev, auditIds..} on success, {0, currentRev} on a rev conflict.

local current = redis.call('GET', KEYS[1])
local currentRev = 0
if current then
  -- This script writes the rev first, so reading it needs no JSON decode of the whole state.
  currentRev = tonumber(string.match(current, '^{"rev":(%d+),')) or tonumber(cjson.decode(current)['rev'])
end
local expected = tonumber(ARGV[1])
if currentRev ~= expected then
  return {0, currentRev}
end

local newRev = currentRev + 1
local now = ARGV[3]
redis.call('SET', KEYS[1], '{"rev":' .. newRev .. ',"updatedAt":' .. now .. ',"state":' .. ARGV[2] .. '}')

local auditCount = tonumber(ARGV[4])
local decisionCount = tonumber(ARGV[5])
local outboxCount = tonumber(ARGV[6])
local i = 7

local result = {1, newRev}
for _ = 1, auditCount do
  local id = redis.call('XADD', KEYS[2], '*', 'rev', newRev, 'entry', ARGV[i])
  table.insert(result, id)
  i = i + 1
end

local fresh = {}
for _ = 1, decisionCount do
  local id, json, at = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if redis.call('HSETNX', KEYS[3], id, json) == 1 then
    redis.call('ZADD', KEYS[4], at, id)
    fresh[id] = true
  end
  i = i + 3
end

for _ = 1, outboxCount do
  local id, decisionId, json = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if decisionId == '' or fresh[decisionId] then
    redis.call('HSETNX', KEYS[5], id, json)
  end
  i = i + 3
end

return result
