-- hdel-unchanged: removes hash fields only where they still hold the value they were judged by,
-- so a field written again since (a series that spoke up) stays; when any is removed, the field
-- ARGV[1] goes too (a series-state hash's writer token: a collector that wrote the hash before must
-- no longer take its states as they were, see buckets.ts SERIES_STATE_WRITER_FIELD).
-- KEYS: 1 hash.  ARGV: the field removed with any removal ('' none), then pairs of field, expected
-- value.  Returns how many pairs were removed.
local removed = 0
for i = 2, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    removed = removed + redis.call('HDEL', KEYS[1], ARGV[i])
  end
end
if removed > 0 and ARGV[1] ~= '' then redis.call('HDEL', KEYS[1], ARGV[1]) end
return removed
