--[[
  commit-user-state: writes one user's state only when its applied position is past the
  stored one, so a replay or a zombie learner (after a rebalance) never moves a user back.
  KEYS[1]  user state key: "\x02partition:offset[:topic]\n" header, then the msgpack record
  KEYS[2]  position key of the first record layout ("partition:offset"); read only when the
           stored record predates the header, deleted on write
  ARGV[1]  partition of the newest applied event ("" when the state has no position)
  ARGV[2]  offset of the newest applied event
  ARGV[3]  the encoded record (its header carries ARGV[1]:ARGV[2]:ARGV[4])
  ARGV[4]  the topic's incarnation (8 hex digits of its topic id; "" when unknown)
  Returns 1 when written, 0 when skipped.
  A different partition is accepted: the user then moved (the topic's partition count
  changed), and offsets of two partitions cannot be compared. So is a different topic
  incarnation (the learner decided, by ON_TOPIC_CHANGE, to apply the new topic's events).
]]
if ARGV[1] ~= '' then
  -- The header fits in 52 bytes (two 20-digit numbers, a tag); no need to copy the whole record.
  local head = redis.call('GETRANGE', KEYS[1], 0, 51)
  local p, o, t
  if string.byte(head, 1) == 2 then
    p, o, t = string.match(head, '^\2(%d+):(%d+):?(%x*)\n')
  else
    local stored = redis.call('GET', KEYS[2])
    if stored then p, o = string.match(stored, '^(%d+):(%d+)$') end
  end
  local sameTopic = t == nil or t == '' or ARGV[4] == '' or t == ARGV[4]
  if p and sameTopic and tonumber(p) == tonumber(ARGV[1]) and tonumber(o) >= tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('DEL', KEYS[2])
return 1
