-- Move a session to a new key: only if the old one is there and live and
-- the new key is free. Atomic, so the old ID stops working in the same
-- instant the new one starts.
--
-- KEYS[1] old session key   KEYS[2] new session key   KEYS[3] user's index
-- ARGV[1] encoded record   ARGV[2] expiry (ms)   ARGV[3] new member
-- ARGV[4] old member   ARGV[5] the caller's now (seconds)
-- Returns 1 moved, 0 not.
if not live(KEYS[1], ARGV[5]) or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[4])
redis.call('SET', KEYS[2], ARGV[1], 'PXAT', ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
settle(KEYS[3])
return 1
