--[[
  commit-user-state: writes one user's state only when its applied position is past the
  stored one, so a replay or a zombie learner (after a rebalance) never moves a user back.
  KEYS[1]  user state key (msgpack record)
  KEYS[2]  user position key, value "partition:offset"
  ARGV[1]  partition of the newest applied event ("" when the state has no position)
  ARGV[2]  offset of the newest applied event
  ARGV[3]  msgpack record of the state
  Returns 1 when written, 0 when skipped.
  A different partition is accepted: the user then moved (the topic's partition count
  changed), and offsets of two partitions cannot be compared.
]]
if ARGV[1] ~= '' then
  local stored = redis.call('GET', KEYS[2])
  if stored then
    local p, o = string.match(stored, '^(%d+):(%d+)$')
    if p and tonumber(p) == tonumber(ARGV[1]) and tonumber(o) >= tonumber(ARGV[2]) then
      return 0
    end
  end
  redis.call('SET', KEYS[2], ARGV[1] .. ':' .. ARGV[2])
end
redis.call('SET', KEYS[1], ARGV[3])
return 1
