-- remove-rollout: archives or deletes a finished rollout's record, with its audit entry, in one step.
-- Only a rollout in a terminal phase with nothing left in its outbox qualifies; the state is read
-- here, so a spec stored or an event applied just before cannot be lost to the removal.
--
-- KEYS: 1 state, 2 audit stream, 3 spec hash, 4 outbox hash, 5 decisions hash, 6 decisions index,
--       7 spec history
-- ARGV: 1 'archive' | 'delete', 2 audit entry JSON, 3 audit retention (ms, delete only),
--       4 terminal phases, comma-separated
-- Returns {1, rev} or {0, 'missing'} / {0, 'phase', phase} / {0, 'outbox', count}.

local raw = redis.call('GET', KEYS[1])
if not raw then return {0, 'missing'} end
local stored = cjson.decode(raw)
local phase = stored['state']['phase']
local terminal = false
for candidate in string.gmatch(ARGV[4], '[^,]+') do
  if candidate == phase then terminal = true end
end
if not terminal then return {0, 'phase', phase} end
local pending = redis.call('HLEN', KEYS[4])
if pending > 0 then return {0, 'outbox', pending} end

redis.call('XADD', KEYS[2], '*', 'rev', stored['rev'], 'entry', ARGV[2])
if ARGV[1] == 'delete' then
  redis.call('DEL', KEYS[1], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7])
  -- The audit log outlives the rollout for its retention, counted from the deletion.
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
return {1, stored['rev']}
