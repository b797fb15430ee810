-- put-spec: stores a new version of a rollout's spec and, when the caller says so, the state that goes
-- with it, with its audit entry and outbox entries — all or nothing. The state is either the fresh state
-- of a new, pending or ended rollout, or a running rollout's state amended to judge by the new version
-- (with the timer of a moved checkpoint in the outbox): a version meant for the running rollout is never
-- stored without being applied to it.
-- The version and the state rev are both compare-and-set, so two writers racing each get their own
-- version number and neither overwrites a state it did not read.
--
-- KEYS: 1 spec hash (`current` → N, `v<N>` → record JSON), 2 state, 3 audit stream, 4 outbox hash
-- ARGV: 1 expected current version (0: none), 2 spec record JSON (version N = ARGV[1] + 1 inside),
--       3 expected state rev (0: none), 4 new state JSON or '' (leave the state alone), 5 now (ms),
--       6 audit entry JSON, 7 outbox count O, then O pairs (entry id, entry JSON)
-- Returns {1, version, rev} or {0, 'version'|'rev', current}.

local current = tonumber(redis.call('HGET', KEYS[1], 'current') or '0')
if current ~= tonumber(ARGV[1]) then
  return {0, 'version', current}
end

local state = redis.call('GET', KEYS[2])
local rev = 0
if state then
  rev = tonumber(string.match(state, '^{"rev":(%d+),')) or tonumber(cjson.decode(state)['rev'])
end
if rev ~= tonumber(ARGV[3]) then
  return {0, 'rev', rev}
end

local version = current + 1
redis.call('HSET', KEYS[1], 'current', version, 'v' .. version, ARGV[2])
if ARGV[4] ~= '' then
  rev = rev + 1
  redis.call('SET', KEYS[2], '{"rev":' .. rev .. ',"updatedAt":' .. ARGV[5] .. ',"state":' .. ARGV[4] .. '}')
end
redis.call('XADD', KEYS[3], '*', 'rev', rev, 'entry', ARGV[6])
-- A name used again after a deletion: its audit log, counting down its retention since, lives on.
redis.call('PERSIST', KEYS[3])
local i = 8
for _ = 1, tonumber(ARGV[7] or '0') do
  redis.call('HSETNX', KEYS[4], ARGV[i], ARGV[i + 1])
  i = i + 2
end
return {1, version, rev}
