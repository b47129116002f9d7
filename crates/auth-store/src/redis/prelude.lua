-- Shared by every script below (prepended to each).
--
-- Index keys are sorted sets: member = a session's store key (text), score
-- = the session's expiry in milliseconds, the same absolute number its
-- session key was given with PXAT. Redis interprets both on its own clock,
-- so an index member is pruned exactly when its session key expires, and an
-- index set to expire with its latest member outlives every session it
-- lists, whatever the application's clock says. No script reads the
-- application's clock.

-- Redis's own time, in milliseconds.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Drops the members whose sessions have expired, then lets the index expire
-- with its latest member (or removes it when empty). Cost: one step per
-- member dropped; the index never holds more than the per-user cap.
local function settle(idx)
  redis.call('ZREMRANGEBYSCORE', idx, '-inf', now_ms())
  local top = redis.call('ZRANGE', idx, -1, -1, 'WITHSCORES')
  if top[2] then
    redis.call('PEXPIREAT', idx, top[2])
  else
    redis.call('DEL', idx)
  end
end

-- The record under session key sk if it belongs to user (an unreadable
-- record counts as the user's, so it is reported as corrupt and deleted
-- with the rest).
local function owned(sk, user)
  local v = redis.call('GET', sk)
  if not v then return nil end
  local ok, rec = pcall(cjson.decode, v)
  if ok and type(rec) == 'table' and type(rec.u) == 'string' and rec.u ~= user then
    return nil
  end
  return v
end

-- Whether the session key sk holds a record still live at now (the
-- caller's seconds, the frame its deadlines were written in): a write-back
-- that comes after the deadline must not revive the session, even before
-- Redis has dropped the key. An unreadable record counts as live here; the
-- caller's decoder reports it.
local function live(sk, now)
  local v = redis.call('GET', sk)
  if not v then return false end
  local ok, rec = pcall(cjson.decode, v)
  if ok and type(rec) == 'table' then
    local i, a = tonumber(rec.i), tonumber(rec.a)
    if i and a and math.min(i, a) <= tonumber(now) then return false end
  end
  return true
end
