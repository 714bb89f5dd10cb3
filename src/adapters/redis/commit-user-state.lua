--[[
  commit-user-state: writes one user's state only when its applied position is past the
  stored one, so a replay or a zombie learner (after a rebalance) never moves a user back.
  KEYS[1]  user state key: "\x02partition:offset\n" header, then the msgpack record
  KEYS[2]  position key of the first record layout ("partition:offset"); read only when the
           stored record predates the header, deleted on write
  ARGV[1]  partition of the newest applied event ("" when the state has no position)
  ARGV[2]  offset of the newest applied event
  ARGV[3]  the encoded record (its header carries ARGV[1]:ARGV[2])
  Returns 1 when written, 0 when skipped.
  A different partition is accepted: the user then moved (the topic's partition count
  changed), and offsets of two partitions cannot be compared.
]]
if ARGV[1] ~= '' then
  -- The header fits in 42 bytes (two 20-digit numbers); no need to copy the whole record.
  local head = redis.call('GETRANGE', KEYS[1], 0, 41)
  local p, o
  if string.byte(head, 1) == 2 then
    p, o = string.match(head, '^\2(%d+):(%d+)\n')
  else
    local stored = redis.call('GET', KEYS[2])
    if stored then p, o = string.match(stored, '^(%d+):(%d+)$') end
  end
  if p and tonumber(p) == tonumber(ARGV[1]) and tonumber(o) >= tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('DEL', KEYS[2])
return 1
