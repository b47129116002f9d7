-- Shared by the token scripts (after prelude.lua).
--
-- Token keys, under ARGV base (the prefix and the user's hash tag):
--   base:tf:FAMILY   the family record (JSON), expires at its nearer deadline
--   base:tr:KEY      a refresh token's record (hash: f family id, x the
--                    user's family index; once used: t when, s successor),
--                    expires at its family's absolute deadline
--   base:tu:USER     sorted set of the user's family ids, scored by expiry (ms)
--   base:tg:USER     the user's token generation
--   base:td:KEY      a denied access token, until its exp

-- Removes family fid (and its current refresh token) if it exists and,
-- when user is given, belongs to user (an unreadable record counts as the
-- user's, so it is removed with the rest). Returns whether it removed it.
local function revoke_family(base, fid, user)
  local fk = base .. ':tf:' .. fid
  local v = redis.call('GET', fk)
  if not v then return false end
  local ok, fam = pcall(cjson.decode, v)
  if ok and type(fam) == 'table' then
    if user and type(fam.u) == 'string' and fam.u ~= user then return false end
    if type(fam.k) == 'string' then redis.call('DEL', base .. ':tr:' .. fam.k) end
  end
  redis.call('DEL', fk)
  return true
end
