-- Start a token family: its record and its first refresh token, only if
-- that token's key is free and the user's token generation is the one the
-- login read, revoking the user's families closest to their end beyond the
-- cap. Atomic: one script.
--
-- KEYS[1] family key   KEYS[2] first token's key   KEYS[3] user's family index
-- KEYS[4] user's token generation
-- ARGV[1] key base of the user's keys   ARGV[2] family record (JSON)
-- ARGV[3] family id   ARGV[4] family expiry (ms)   ARGV[5] absolute deadline (ms)
-- ARGV[6] max families per user (>= 1)   ARGV[7] expected generation
-- ARGV[8] user id
-- Returns 1 stored, 0 key taken, 2 generation moved.
-- Work: bounded by the index, which the cap bounds.
if tonumber(redis.call('GET', KEYS[4]) or '0') ~= tonumber(ARGV[7]) then return 2 end
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
settle(KEYS[3])
local max = tonumber(ARGV[6])
local n = redis.call('ZCARD', KEYS[3])
if n >= max then
  for _, fid in ipairs(redis.call('ZRANGE', KEYS[3], 0, n - max)) do
    revoke_family(ARGV[1], fid, ARGV[8])
    redis.call('ZREM', KEYS[3], fid)
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[4])
redis.call('HSET', KEYS[2], 'f', ARGV[3], 'x', KEYS[3])
redis.call('PEXPIREAT', KEYS[2], ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
settle(KEYS[3])
return 1
