-- compact-buckets: gives bucket hashes that the ingest script made hash tables back their compact
-- encoding, once no more writes are expected. A DUMP read back with RESTORE is encoded as Redis encodes
-- a hash it loads: a listpack when its fields are few and short enough (hash-max-listpack-entries and
-- -value), a table otherwise. Fields, values and TTL stay as they were.
-- KEYS: bucket hashes of one rollout (one hash tag).  ARGV[1]: the most fields a hash may have to be
-- tried.  Returns how many were compacted.
local most = tonumber(ARGV[1])
local compacted = 0
for _, key in ipairs(KEYS) do
  if redis.call('OBJECT', 'ENCODING', key) == 'hashtable' and redis.call('HLEN', key) <= most then
    local ttl = redis.call('PTTL', key)
    local dump = redis.call('DUMP', key)
    redis.call('RESTORE', key, math.max(ttl, 0), dump, 'REPLACE')
    if redis.call('OBJECT', 'ENCODING', key) ~= 'hashtable' then compacted = compacted + 1 end
  end
end
return compacted
