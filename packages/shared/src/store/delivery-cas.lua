-- delivery-cas: replaces (or deletes) one delivery record only if it is still the text the caller read, so
-- an update never overwrites another writer's change and retention never removes a record that was
-- redelivered after it was judged old. One key: safe on Redis Cluster, where the delivery log's keys
-- sit in different slots.
--
-- KEYS: 1 the delivery's hash (`record` → JSON)
-- ARGV: 1 the record JSON the caller read, 2 the new record JSON, or '' to delete the hash
-- Returns 1 when written (or deleted), 0 when the record changed or is gone.

if redis.call('HGET', KEYS[1], 'record') ~= ARGV[1] then
  return 0
end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'record', ARGV[2])
end
return 1
