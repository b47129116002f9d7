-- Check and count one login attempt against one throttle key:
-- Limit::attempt of auth_core::throttle, step for step, on the key's stored
-- state. Atomic (one script: concurrent attempts are all counted, and once
-- one blocks the key the rest are refused), and it touches only its one
-- key: throttle keys are independent, so in a Cluster each may live in any
-- slot, and no hash tag is needed.
--
-- KEYS[1] throttle key
-- ARGV[1] the caller's now (seconds)   ARGV[2] free failures
-- ARGV[3] window (s)   ARGV[4] first back-off (s)   ARGV[5] back-off cap (s)
-- Returns {'counted', new state} or, while the key is blocked at now,
-- {'refused', stored state} (and writes nothing); states as
-- ThrottleState::encode writes them, 'failures:blocked_until:expires_at'.
-- Returns 0 (and writes nothing) when the stored state is unreadable.
-- The key is written with a TTL of expires_at - now (PX, at least the
-- window): Redis drops it by its own clock once the state is forgotten.
local now = tonumber(ARGV[1])
local failures, blocked, expires = 0, 0, 0
local v = redis.call('GET', KEYS[1])
if v then
  local f, b, e = string.match(v, '^(%d+):(%d+):(%d+)$')
  if not f then return 0 end
  -- A state past its expiry (on the caller's clock) no longer counts.
  if now < tonumber(e) then
    failures, blocked, expires = tonumber(f), tonumber(b), tonumber(e)
  end
end
-- Blocked (only a live state has a block here): refused, nothing written.
if now < blocked then return {'refused', v} end
failures = math.min(failures + 1, 4294967295)
local free = tonumber(ARGV[2])
if failures > free then
  local doublings = failures - free - 1
  local backoff = tonumber(ARGV[5])
  if doublings < 32 then
    backoff = math.min(tonumber(ARGV[4]) * 2 ^ doublings, backoff)
  end
  blocked = math.max(blocked, now + backoff)
end
-- Neither the block nor the expiry ever moves earlier.
expires = math.max(expires, math.max(now, blocked) + tonumber(ARGV[3]))
local state = string.format('%d:%d:%d', failures, blocked, expires)
redis.call('SET', KEYS[1], state, 'PX', (expires - now) * 1000)
return {'counted', state}
