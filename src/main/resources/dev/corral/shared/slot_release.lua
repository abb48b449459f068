-- Gives back one slot this instance holds (none if its lease expired and the slot was reaped).
-- KEYS: 1 this instance's held hash, 2 the key's slot hash. Returns 1 when given back, else 0.
local h = tonumber(redis.call('HGET', KEYS[1], KEYS[2]) or '0')
if h <= 0 then
  return 0
end
if h == 1 then
  redis.call('HDEL', KEYS[1], KEYS[2])
else
  redis.call('HINCRBY', KEYS[1], KEYS[2], -1)
end
if redis.call('HINCRBY', KEYS[2], 'held', -1) <= 0 then
  redis.call('DEL', KEYS[2])
end
return 1
