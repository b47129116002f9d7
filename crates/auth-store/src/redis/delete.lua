-- Remove one session and its index member. Atomic.
--
-- KEYS[1] session key   KEYS[2] the record owner's index
-- ARGV[1] index member
-- Returns 1 removed, 0 absent.
local n = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
settle(KEYS[2])
return n
