-- Gives back, for each of a batch of ended requests, its slot and its budget reservations, and
-- counts the tokens it really used. Only what the instance's held hash still holds is given back:
-- after its lease expired (and what it held was reaped) nothing is given back twice.
-- KEYS: per request 4 keys: the held hash of the lease it was taken under, the key's slot hash,
--   its day budget, its month budget
-- ARGV: per request 5 values: '1' if it holds a slot, tokens reserved, tokens used,
--   '1' if reserved in the day budget, '1' if in the month budget
-- A budget that expired meanwhile (a past period) is left alone: the store has the usage.
local n = #ARGV / 5
for r = 0, n - 1 do
  local k = 4 * r
  local a = 5 * r
  local held = KEYS[k + 1]
  if ARGV[a + 1] == '1' then
    local s = KEYS[k + 2]
    local h = tonumber(redis.call('HGET', held, s) or '0')
    if h > 0 then
      if h == 1 then
        redis.call('HDEL', held, s)
      else
        redis.call('HINCRBY', held, s, -1)
      end
      if redis.call('HINCRBY', s, 'held', -1) <= 0 then
        redis.call('DEL', s)
      end
    end
  end
  local amount = tonumber(ARGV[a + 2])
  local actual = tonumber(ARGV[a + 3])
  for i = 1, 2 do
    if ARGV[a + 3 + i] == '1' then
      local b = KEYS[k + 2 + i]
      local h = tonumber(redis.call('HGET', held, b) or '0')
      local give = math.min(h, amount)
      if give > 0 then
        if h == give then
          redis.call('HDEL', held, b)
        else
          redis.call('HINCRBY', held, b, -give)
        end
      end
      if redis.call('EXISTS', b) == 1 then
        if give > 0 then
          redis.call('HINCRBY', b, 'held', -give)
        end
        redis.call('HINCRBY', b, 'used', actual)
      end
    end
  end
end
return n
