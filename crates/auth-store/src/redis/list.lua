-- A user's live sessions. Members whose session is gone (or holds another
-- user's record) are removed on the way. Atomic; bounded by the cap.
--
-- KEYS[1] user's index
-- ARGV[1] key base of the user's keys   ARGV[2] user id
-- Returns member, record, member, record, ...
settle(KEYS[1])
local out = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local v = owned(ARGV[1] .. ':s:' .. m, ARGV[2])
  if v then
    out[#out + 1] = m
    out[#out + 1] = v
  else
    redis.call('ZREM', KEYS[1], m)
  end
end
settle(KEYS[1])
return out
