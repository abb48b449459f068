-- Starts a budget period with the tokens the store says were used in it, unless another instance
-- already did. KEYS: 1 the budget hash. ARGV: 1 used tokens, 2 when the hash expires (unix ms).
-- Returns 1 when seeded here, 0 when it already existed.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'used', ARGV[1], 'held', 0)
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
