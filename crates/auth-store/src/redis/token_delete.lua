-- Revoke one family of a user (and its current token). Atomic.
--
-- KEYS[1] user's family index
-- ARGV[1] key base of the user's keys   ARGV[2] family id   ARGV[3] user id
-- Returns 1 revoked, 0 absent or another user's.
local done = revoke_family(ARGV[1], ARGV[2], ARGV[3])
if done then redis.call('ZREM', KEYS[1], ARGV[2]) end
settle(KEYS[1])
if done then return 1 end
return 0
