-- hdel-unchanged: removes hash fields only where they still hold the value they were judged by,
-- so a field written again since (a series that spoke up) stays.
-- KEYS: 1 hash.  ARGV: pairs of field, expected value.  Returns how many were removed.
local removed = 0
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    removed = removed + redis.call('HDEL', KEYS[1], ARGV[i])
  end
end
return removed
