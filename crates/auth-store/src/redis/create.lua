-- Create a session: insert-if-absent, only while the user's generation is
-- the one the login read, evicting the user's sessions closest to expiry
-- beyond the cap. Atomic: one script.
--
-- KEYS[1] session key   KEYS[2] user's index   KEYS[3] user's generation
-- ARGV[1] key base of the user's keys (prefix and hash tag)
-- ARGV[2] encoded record   ARGV[3] expiry (ms)   ARGV[4] index member
-- ARGV[5] max sessions per user (>= 1)   ARGV[6] expected generation
-- ARGV[7] user id
-- Returns 1 stored, 0 key taken, 2 generation moved.
-- Work: bounded by the index, which the cap bounds.
if tonumber(redis.call('GET', KEYS[3]) or '0') ~= tonumber(ARGV[6]) then return 2 end
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
settle(KEYS[2])
local max = tonumber(ARGV[5])
local n = redis.call('ZCARD', KEYS[2])
if n >= max then
  for _, m in ipairs(redis.call('ZRANGE', KEYS[2], 0, n - max)) do
    local sk = ARGV[1] .. ':s:' .. m
    if owned(sk, ARGV[7]) then redis.call('DEL', sk) end
    redis.call('ZREM', KEYS[2], m)
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
settle(KEYS[2])
return 1
