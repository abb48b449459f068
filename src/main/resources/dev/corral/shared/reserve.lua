-- Reserves tokens in a key's daily and monthly budgets, atomically, under this instance's lease.
-- KEYS: 1 instances (zset id -> lease expiry ms), 2 this instance's held hash, 3 day budget, 4 month budget
-- ARGV: 1 instance id, 2 lease ms, 3 amount, 4 daily limit (0: none), 5 monthly limit (0: none)
-- A budget hash holds 'used' (settled tokens of the period) and 'held' (reserved, not settled yet).
-- Returns {0, 0} reserved; {-1, i} budget i (1 day, 2 month) not seeded yet: seed it from the store
-- and try again; {i, used + held} budget i would be exceeded (nothing reserved).
local amount = tonumber(ARGV[3])
local limits = {tonumber(ARGV[4]), tonumber(ARGV[5])}
for i = 1, 2 do
  if limits[i] > 0 then
    local v = redis.call('HMGET', KEYS[2 + i], 'used', 'held')
    if not v[1] then
      return {-1, i}
    end
    local total = tonumber(v[1]) + tonumber(v[2] or '0')
    if total + amount > limits[i] then
      return {i, total}
    end
  end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
for i = 1, 2 do
  if limits[i] > 0 then
    redis.call('HINCRBY', KEYS[2 + i], 'held', amount)
    redis.call('HINCRBY', KEYS[2], KEYS[2 + i], amount)
  end
end
return {0, 0}
