// Create each relationship unless it exists. source_one / target_one hold the id of a
// side whose cardinality is `one`: unique under the relationship-type constraints, so
// the database refuses a second edge for that side even if a check was skipped.
UNWIND $rows AS row
MATCH (s:{{Source}} {workspace: $workspace, id: row.source})
MATCH (t:{{Target}} {workspace: $workspace, id: row.target})
MERGE (s)-[r:{{Rel}}]->(t)
  ON CREATE SET r.written_at = datetime.transaction(),
                r.source_one = CASE WHEN $source_one THEN s.id END,
                r.target_one = CASE WHEN $target_one THEN t.id END
RETURN count(r) AS merged
