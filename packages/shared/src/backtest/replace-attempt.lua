-- replace-attempt: writes a backtest record only if the stored one is still at the attempt the writer
-- read, so two attempts of one backtest (a retry, a stalled job run again elsewhere) never both win.
-- KEYS: 1 the record.  ARGV: 1 the attempts the stored record must hold, 2 the new record (JSON),
-- 3 its TTL in seconds, 4 "unfinished" to also require that it is neither done nor failed.
-- Returns 1 if written, 0 if the stored record had moved on (or is gone).
local text = redis.call('GET', KEYS[1])
if not text then return 0 end
local stored = cjson.decode(text)
if (stored.attempts or 0) ~= tonumber(ARGV[1]) then return 0 end
if ARGV[4] == 'unfinished' and (stored.status == 'done' or stored.status == 'failed') then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
