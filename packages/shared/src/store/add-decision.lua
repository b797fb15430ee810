-- add-decision: records a decision that changes no state (an alert the evaluator raises when a delivery
-- gives up) with its audit entry and outbox deliveries, once per decision id.
--
-- KEYS: 1 audit stream, 2 decisions hash, 3 decisions index zset, 4 outbox hash, 5 state (read for its rev)
-- ARGV: 1 decision id, 2 decision JSON, 3 at (ms), 4 audit entry JSON, 5 outbox count O,
--       then O pairs (entry id, JSON)
-- Returns 1 when recorded, 0 when this decision id was already there.

if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then
  return 0
end
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
local state = redis.call('GET', KEYS[5])
local rev = 0
if state then
  rev = tonumber(string.match(state, '^{"rev":(%d+),')) or 0
end
redis.call('XADD', KEYS[1], '*', 'rev', rev, 'entry', ARGV[4])
local i = 6
for _ = 1, tonumber(ARGV[5]) do
  redis.call('HSETNX', KEYS[4], ARGV[i], ARGV[i + 1])
  i = i + 2
end
return 1
