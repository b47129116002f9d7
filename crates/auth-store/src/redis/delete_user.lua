-- "Log out everywhere": move the user's generation (so a login that read it
-- before cannot create a session after) and remove every session but one.
-- Atomic: no login can land between the two. Bounded by the cap.
--
-- KEYS[1] user's index   KEYS[2] user's generation (never expires)
-- ARGV[1] key base of the user's keys   ARGV[2] user id
-- ARGV[3] member to keep ('' for none)
-- Returns how many sessions were removed.
redis.call('INCR', KEYS[2])
local n = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if m ~= ARGV[3] then
    local sk = ARGV[1] .. ':s:' .. m
    if owned(sk, ARGV[2]) then
      redis.call('DEL', sk)
      n = n + 1
    end
    redis.call('ZREM', KEYS[1], m)
  end
end
settle(KEYS[1])
return n
