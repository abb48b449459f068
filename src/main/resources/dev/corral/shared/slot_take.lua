-- Takes one of a key's in-flight slots, atomically, under this instance's lease.
-- KEYS: 1 instances, 2 this instance's held hash, 3 the key's slot hash ('held': slots taken)
-- ARGV: 1 instance id, 2 lease ms, 3 the key's limit
-- Returns 1 when taken, 0 when the key has its limit in flight (nothing taken).
local n = tonumber(redis.call('HGET', KEYS[3], 'held') or '0')
if n >= tonumber(ARGV[3]) then
  return 0
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HINCRBY', KEYS[3], 'held', 1)
redis.call('HINCRBY', KEYS[2], KEYS[3], 1)
return 1
