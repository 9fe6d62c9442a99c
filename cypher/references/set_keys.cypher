// After a cardinality change: store each `one` side's key on its relationships (under
// the uniqueness constraints) and drop the key of a side that became `many`.
MATCH (s:{{Source}} {workspace: $workspace})-[r:{{Rel}}]->(t:{{Target}})
SET r.source_one = CASE WHEN $source_one THEN s.id END,
    r.target_one = CASE WHEN $target_one THEN $source_type + ':' + t.id END
