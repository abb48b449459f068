-- An instance's lease: renews it ('beat') or ends it ('leave'), and gives back everything held by
-- instances whose lease expired (they died without giving back), so their slots and reservations
-- stop counting. Returns the number of instances whose lease is current (this one included on a beat).
-- KEYS: 1 instances (zset id -> lease expiry ms)
-- ARGV: 1 instance id, 2 lease ms, 3 prefix of the held hashes, 4 'beat' or 'leave'
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local function reap(id)
  local hk = ARGV[3] .. id
  local held = redis.call('HGETALL', hk)
  for j = 1, #held, 2 do
    local k = held[j]
    if redis.call('EXISTS', k) == 1 then
      local left = redis.call('HINCRBY', k, 'held', -tonumber(held[j + 1]))
      if left <= 0 then
        if redis.call('HEXISTS', k, 'used') == 1 then
          redis.call('HSET', k, 'held', 0)
        else
          redis.call('DEL', k)
        end
      end
    end
  end
  redis.call('DEL', hk)
  redis.call('ZREM', KEYS[1], id)
end

if ARGV[4] == 'leave' then
  reap(ARGV[1])
else
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
end
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
for _, id in ipairs(dead) do
  reap(id)
end
return redis.call('ZCOUNT', KEYS[1], now, '+inf')
