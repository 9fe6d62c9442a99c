// The position after a workspace's last event.
OPTIONAL MATCH (s:_EventSequence {workspace: $workspace})
OPTIONAL MATCH (b:_EventBatch {workspace: $workspace, seq: s.last})
RETURN coalesce(s.last, 0) AS seq, coalesce(b.count - 1, -1) AS index
