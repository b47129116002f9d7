-- "Log out everywhere" for tokens: move the user's token generation (so a
-- login that read it before cannot start a family after) and revoke every
-- family. Atomic: no login can land between the two. Bounded by the cap.
--
-- KEYS[1] user's family index   KEYS[2] user's token generation
-- ARGV[1] key base of the user's keys   ARGV[2] user id
-- ARGV[3] how long the generation is kept (ms): longer than any login
-- ticket can be used, after which reading 0 again is safe
-- Returns how many families were revoked.
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
local n = 0
for _, fid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if revoke_family(ARGV[1], fid, ARGV[2]) then n = n + 1 end
end
redis.call('DEL', KEYS[1])
return n
