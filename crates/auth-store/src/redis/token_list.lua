-- A user's families. Members whose family is gone are removed on the way.
-- Atomic; bounded by the cap.
--
-- KEYS[1] user's family index
-- ARGV[1] key base of the user's keys
-- Returns the family records (JSON).
settle(KEYS[1])
local out = {}
for _, fid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local v = redis.call('GET', ARGV[1] .. ':tf:' .. fid)
  if v then
    out[#out + 1] = v
  else
    redis.call('ZREM', KEYS[1], fid)
  end
end
settle(KEYS[1])
return out
