-- Give back one attempt counted against one throttle key (a successful
-- login's, or one the other key refused): Limit::refund of
-- auth_core::throttle, step for step. Atomic, one key (see
-- count_attempt.lua).
--
-- KEYS[1] throttle key
-- ARGV[1] the caller's now (seconds)   ARGV[2] free failures
-- Returns the state left, 'failures:blocked_until:expires_at', or '' when
-- none is left (the key is deleted, or there was none); 0 (and writes
-- nothing) when the stored state is unreadable.
local now = tonumber(ARGV[1])
local v = redis.call('GET', KEYS[1])
if not v then return '' end
local f, b, e = string.match(v, '^(%d+):(%d+):(%d+)$')
if not f then return 0 end
f, b, e = tonumber(f), tonumber(b), tonumber(e)
-- One failure fewer, and no block once the failures left are all free
-- (the block was there only because of the attempt given back). The
-- expiry stays where it is.
f = math.max(f - 1, 0)
if f <= tonumber(ARGV[2]) then b = 0 end
-- Past its expiry (on the caller's clock), or no failures left: gone.
if now >= e or f == 0 then
  redis.call('DEL', KEYS[1])
  return ''
end
local state = string.format('%d:%d:%d', f, b, e)
redis.call('SET', KEYS[1], state, 'PX', (e - now) * 1000)
return state
