--[[
  quarantine-user-record: moves an unreadable user record aside, as it is, so it can be
  inspected and the user's next event starts a fresh state.
  KEYS[1]  user state key
  KEYS[2]  position key of the first record layout (its guard would hold a fresh state back); deleted
  KEYS[3]  quarantine key (an earlier quarantined record of the user is replaced)
  Returns 1 when moved, 0 when there was no record.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('RENAME', KEYS[1], KEYS[3])
redis.call('DEL', KEYS[2])
return 1
