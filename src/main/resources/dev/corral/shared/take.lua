-- Takes, for each of a batch of requests, a slot among its key's requests in flight and its tokens
-- in its key's daily and monthly budgets: all of a request's or none, atomically, under this
-- instance's lease (each taken part also noted in the instance's held hash, so that it is given
-- back when the lease expires).
-- KEYS: 1 instances (zset id -> lease expiry ms), 2 this instance's held hash, then per request
--   3 keys: the key's slot hash ('held': slots taken), its day budget, its month budget
-- ARGV: 1 instance id, 2 lease ms, then per request 5 values: slot limit (0: none), tokens,
--   daily limit (0: none), monthly limit (0: none), slots it takes (1, or more for requests to come)
-- A budget hash holds 'used' (settled tokens of the period) and 'held' (reserved, not settled yet).
-- Returns 2 numbers per request: {0, 0} taken; {3, n} the key has its limit of n in flight (or
-- would have, with the slots asked for);
-- {-1, i} budget i (1 day, 2 month) not seeded yet: seed it from the store and try again;
-- {i, used + held} budget i would be exceeded. Nothing is taken for a request not answered {0, 0}.
-- Each field is read once per call and each change written once at the end, summed: requests of
-- one key in one batch (a busy key) cost little more than one.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
local seen = {}    -- key -> field -> number, or false where the field does not exist
local changes = {} -- in order: {key, field, delta}
local change = {}  -- key .. '\n' .. field -> its entry in changes
local function read(key, field)
  local k = seen[key]
  if not k then
    k = {}
    seen[key] = k
  end
  local v = k[field]
  if v == nil then
    local r = redis.call('HGET', key, field)
    v = r and tonumber(r) or false
    k[field] = v
  end
  return v
end
local function add(key, field, n)
  local id = key .. '\n' .. field
  local c = change[id]
  if not c then
    c = {key, field, 0}
    change[id] = c
    changes[#changes + 1] = c
  end
  c[3] = c[3] + n
  local k = seen[key]
  if k and k[field] ~= nil then
    k[field] = (k[field] or 0) + n
  end
end
local held = KEYS[2]
local out = {}
local n = (#ARGV - 2) / 5
for r = 0, n - 1 do
  local k = 2 + 3 * r
  local a = 2 + 5 * r
  local slots = tonumber(ARGV[a + 1])
  local amount = tonumber(ARGV[a + 2])
  local limits = {tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])}
  local count = tonumber(ARGV[a + 5])
  local code, value = 0, 0
  if slots > 0 and (read(KEYS[k + 1], 'held') or 0) + count > slots then
    code, value = 3, slots
  end
  for i = 1, 2 do
    if code == 0 and limits[i] > 0 then
      local b = KEYS[k + 1 + i]
      local used = read(b, 'used')
      if not used then
        code, value = -1, i
      else
        local total = used + (read(b, 'held') or 0)
        if total + amount > limits[i] then
          code, value = i, total
        end
      end
    end
  end
  if code == 0 then
    if slots > 0 then
      add(KEYS[k + 1], 'held', count)
      add(held, KEYS[k + 1], count)
    end
    for i = 1, 2 do
      if limits[i] > 0 then
        add(KEYS[k + 1 + i], 'held', amount)
        add(held, KEYS[k + 1 + i], amount)
      end
    end
  end
  out[#out + 1] = code
  out[#out + 1] = value
end
for _, c in ipairs(changes) do
  if c[3] ~= 0 then
    redis.call('HINCRBY', c[1], c[2], c[3])
  end
end
return out
