-- The refresh step. Atomic: of two refreshes with one token, exactly one
-- finds it unused.
--
-- KEYS[1] presented token's key   KEYS[2] next token's key (same bucket)
-- ARGV[1] key base of the tokens' bucket   ARGV[2] now (s, the caller's)
-- ARGV[3] idle limit (s)   ARGV[4] grace (s)   ARGV[5] max refreshes
-- ARGV[6] next token's key text   ARGV[7] presented token's key text
-- Returns {'rotated', family JSON} | {'reused', user id, family id}
--       | {'unknown'} | {'taken'} | {'corrupt'} (an unreadable family).
-- The family and the index are found from the token's record; they share
-- its hash tag (the token was drawn in its user's bucket).
local t = redis.call('HMGET', KEYS[1], 'f', 'x', 't', 's')
local fid, idx, used_at, succ = t[1], t[2], t[3], t[4]
if not fid or not idx then return {'unknown'} end
local fk = ARGV[1] .. ':tf:' .. fid
local v = redis.call('GET', fk)
if not v then return {'unknown'} end
local ok, fam = pcall(cjson.decode, v)
if not ok or type(fam) ~= 'table' or type(fam.i) ~= 'number'
   or type(fam.a) ~= 'number' or type(fam.n) ~= 'number' then
  return {'corrupt'}
end
local now = tonumber(ARGV[2])
if math.min(fam.i, fam.a) <= now then return {'unknown'} end

-- Makes KEYS[2] current; the presented token is marked used at first_use
-- (kept from its first use on a retry) with KEYS[2] as its successor.
local function advance(first_use)
  redis.call('HSET', KEYS[1], 't', first_use, 's', ARGV[6])
  fam.k = ARGV[6]
  fam.r = now
  fam.n = fam.n + 1
  fam.i = math.min(now + tonumber(ARGV[3]), fam.a)
  local enc = cjson.encode(fam)
  local exp = math.min(fam.i, fam.a) * 1000
  redis.call('SET', fk, enc, 'PXAT', exp)
  redis.call('HSET', KEYS[2], 'f', fid, 'x', idx)
  redis.call('PEXPIREAT', KEYS[2], fam.a * 1000)
  redis.call('ZADD', idx, exp, fid)
  settle(idx)
  return {'rotated', enc}
end

local function revoke()
  revoke_family(ARGV[1], fid, nil)
  redis.call('ZREM', idx, fid)
  settle(idx)
end

if used_at then
  -- A retry within the grace, while the successor is unused: the
  -- successor is dropped (its holder gets "unknown", nothing is revoked).
  if now < tonumber(used_at) + tonumber(ARGV[4]) and fam.k == succ
     and redis.call('HEXISTS', ARGV[1] .. ':tr:' .. succ, 't') == 0 then
    if redis.call('EXISTS', KEYS[2]) == 1 then return {'taken'} end
    redis.call('DEL', ARGV[1] .. ':tr:' .. succ)
    return advance(used_at)
  end
  revoke()
  return {'reused', fam.u, fid}
end
if fam.k ~= ARGV[7] then return {'unknown'} end
if fam.n >= tonumber(ARGV[5]) then
  revoke()
  return {'unknown'}
end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'taken'} end
return advance(now)
