// Create each relationship unless it exists. source_one holds the source's id when the
// source side is `one`; target_one holds "<source type>:<target id>" when the target
// side is `one` (two types may share a relationship type towards one target type).
// Both are unique under the relationship-type constraints, so the database refuses a
// second edge for a `one` side even if a check was skipped.
// added: the ends of each relationship that did not exist before this statement (the
// caller holds both ends' locks, so none can appear meanwhile), for the change events.
UNWIND $rows AS row
MATCH (s:{{Source}} {workspace: $workspace, id: row.source})
MATCH (t:{{Target}} {workspace: $workspace, id: row.target})
OPTIONAL MATCH (s)-[existing:{{Rel}}]->(t)
WITH s, t, existing IS NULL AS new
MERGE (s)-[r:{{Rel}}]->(t)
  ON CREATE SET r.written_at = datetime.transaction(),
                r.source_one = CASE WHEN $source_one THEN s.id END,
                r.target_one = CASE WHEN $target_one THEN $source_type + ':' + t.id END
RETURN collect(CASE WHEN new THEN [s.id, s.external_id, t.id, t.external_id] END) AS added
