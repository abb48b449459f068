-- Gives back, for each of a batch of ended requests, its slot and its budget reservations, and
-- counts the tokens it really used. Only what the instance's held hash still holds is given back:
-- after its lease expired (and what it held was reaped) nothing is given back twice.
-- KEYS: per request 4 keys: the held hash of the lease it was taken under, the key's slot hash,
--   its day budget, its month budget
-- ARGV: per request 5 values: the slots it gives back (0, 1, or more from what was taken ahead), tokens
--   reserved, tokens used,
--   '1' if reserved in the day budget, '1' if in the month budget
-- A budget that expired meanwhile (a past period) is left alone: the store has the usage.
-- Each field is read once per call and each change written once at the end, summed; a held
-- field or slot count that reaches 0 is removed.
local seen = {}    -- key -> field -> number, or false where the field does not exist
local exists = {}  -- key -> whether it exists
local changes = {} -- in order: {key, field, delta}
local change = {}  -- key .. '\n' .. field -> its entry in changes
local slotHashes = {} -- the keys' slot hashes among KEYS
local heldHashes = {} -- the leases' held hashes among KEYS
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
local function present(key)
  local e = exists[key]
  if e == nil then
    e = redis.call('EXISTS', key) == 1
    exists[key] = e
  end
  return e
end
local n = #ARGV / 5
for r = 0, n - 1 do
  local k = 4 * r
  local a = 5 * r
  local held = KEYS[k + 1]
  heldHashes[held] = true
  local slots = tonumber(ARGV[a + 1])
  if slots > 0 then
    local s = KEYS[k + 2]
    slotHashes[s] = true
    local g = math.min(read(held, s) or 0, slots)
    if g > 0 then
      add(held, s, -g)
      add(s, 'held', -g)
    end
  end
  local amount = tonumber(ARGV[a + 2])
  local actual = tonumber(ARGV[a + 3])
  for i = 1, 2 do
    if ARGV[a + 3 + i] == '1' then
      local b = KEYS[k + 2 + i]
      local give = math.min(read(held, b) or 0, amount)
      if give > 0 then
        add(held, b, -give)
      end
      if present(b) then
        if give > 0 then
          add(b, 'held', -give)
        end
        add(b, 'used', actual)
      end
    end
  end
end
for _, c in ipairs(changes) do
  if c[3] ~= 0 then
    local left = redis.call('HINCRBY', c[1], c[2], c[3])
    if left <= 0 and heldHashes[c[1]] then
      redis.call('HDEL', c[1], c[2]) -- that lease holds nothing more in that counter
    elseif left <= 0 and slotHashes[c[1]] then
      redis.call('DEL', c[1]) -- no slot of the key is held
    end
  end
end
return n
