// The position after a workspace's last event (that batch purged: after any place in it).
OPTIONAL MATCH (s:_EventSequence {workspace: $workspace})
OPTIONAL MATCH (b:_EventBatch {workspace: $workspace, seq: s.last})
RETURN coalesce(s.last, 0) AS seq, CASE WHEN s IS NULL THEN -1 ELSE coalesce(b.count - 1, 2147483647) END AS index
