-- Put an access token's key on the denylist until ARGV[1], never earlier
-- than an entry already there: a revocation, once made, is never
-- shortened by a later call with an earlier time.
--
-- KEYS[1] the denylist key
-- ARGV[1] until (seconds, the value written)   ARGV[2] expiry (PXAT, ms)
-- Returns 1 if it wrote, 0 if a later entry was already there.
local old = tonumber(redis.call('GET', KEYS[1]) or '')
if old and old >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
return 1
