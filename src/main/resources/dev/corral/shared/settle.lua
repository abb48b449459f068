-- Replaces a reservation by the tokens really used. Only what this instance still holds is given
-- back: after its lease expired (and the reservation was reaped) nothing is given back twice.
-- KEYS: 1 this instance's held hash, 2 day budget, 3 month budget
-- ARGV: 1 amount reserved, 2 tokens used, 3 '1' if reserved in the day budget, 4 '1' if in the month
-- A budget that expired meanwhile (a past period) is left alone: the store has the usage.
local amount = tonumber(ARGV[1])
local actual = tonumber(ARGV[2])
for i = 2, 3 do
  if ARGV[i + 1] == '1' then
    local k = KEYS[i]
    local h = tonumber(redis.call('HGET', KEYS[1], k) or '0')
    local give = math.min(h, amount)
    if give > 0 then
      if h == give then
        redis.call('HDEL', KEYS[1], k)
      else
        redis.call('HINCRBY', KEYS[1], k, -give)
      end
    end
    if redis.call('EXISTS', k) == 1 then
      if give > 0 then
        redis.call('HINCRBY', k, 'held', -give)
      end
      redis.call('HINCRBY', k, 'used', actual)
    end
  end
end
return 0
