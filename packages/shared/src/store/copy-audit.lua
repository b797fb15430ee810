-- copy-audit: copies a rollout's new audit entries (from its own stream, rg:{<name>}:audit) to the
-- all-rollouts feed and the rollout's copy, both under the {audit} hash tag, once each: an entry is copied
-- only if it is newer than the last one copied for that rollout, so concurrent or repeated copies (the
-- writer after its transition, the evaluator's sweep after a crash) add nothing twice.
--
-- KEYS: 1 feed stream, 2 copied hash (rollout → last source id), 3 the rollout's copy stream
-- ARGV: 1 rollout name, 2 count N, then N triples (source id, rev, entry JSON), oldest first
-- Returns the number of entries copied.

local function newer(a, b)
  local ams, aseq = string.match(a, '^(%d+)-(%d+)$')
  local bms, bseq = string.match(b, '^(%d+)-(%d+)$')
  ams, aseq, bms, bseq = tonumber(ams), tonumber(aseq), tonumber(bms), tonumber(bseq)
  return ams > bms or (ams == bms and aseq > bseq)
end

local last = redis.call('HGET', KEYS[2], ARGV[1]) or '0-0'
local copied = 0
local i = 3
for _ = 1, tonumber(ARGV[2]) do
  local source = ARGV[i]
  if newer(source, last) then
    local id = redis.call('XADD', KEYS[1], '*', 'rollout', ARGV[1], 'source', source, 'rev', ARGV[i + 1],
      'entry', ARGV[i + 2])
    redis.call('XADD', KEYS[3], id, 'source', source, 'rev', ARGV[i + 1], 'entry', ARGV[i + 2])
    last = source
    copied = copied + 1
  end
  i = i + 3
end
if copied > 0 then
  redis.call('HSET', KEYS[2], ARGV[1], last)
end
return copied
