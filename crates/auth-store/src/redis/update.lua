-- Replace a session's record only while it is still there and live (a
-- logout or an expiry is never undone), moving its expiry and index score.
-- Atomic.
--
-- KEYS[1] session key   KEYS[2] user's index
-- ARGV[1] encoded record   ARGV[2] expiry (ms)   ARGV[3] index member
-- ARGV[4] the caller's now (seconds)
-- Returns 1 applied, 0 absent or expired.
if not live(KEYS[1], ARGV[4]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
settle(KEYS[2])
return 1
