// Create each relationship unless it exists, and set the properties the row gives it.
// source_one holds the source's id when the source side is `one`; target_one holds
// "<source type>:<target id>" when the target side is `one` (two types may share a
// relationship type towards one target type). Both are unique under the
// relationship-type constraints, so the database refuses a second edge for a `one`
// side even if a check was skipped.
// added: the ends of each relationship that did not exist before this statement (the
// caller holds both ends' locks, so none can appear meanwhile); updated: the ends of
// each existing one whose properties the row changed, with [key, old value] pairs; for
// the change events.
UNWIND $rows AS row
MATCH (s:{{Source}} {workspace: $workspace, id: row.source})
MATCH (t:{{Target}} {workspace: $workspace, id: row.target})
OPTIONAL MATCH (s)-[existing:{{Rel}}]->(t)
WITH s, t, row, existing IS NULL AS new
MERGE (s)-[r:{{Rel}}]->(t)
  ON CREATE SET r.written_at = datetime.transaction(),
                r.source_one = CASE WHEN $source_one THEN s.id END,
                r.target_one = CASE WHEN $target_one THEN $source_type + ':' + t.id END
WITH s, t, r, row, new,
     CASE WHEN new THEN [] ELSE [key IN keys(row.props)
       WHERE NOT coalesce(r[key] = row.props[key], r[key] IS NULL AND row.props[key] IS NULL) | [key, r[key]]] END AS before
SET r += row.props
RETURN collect(CASE WHEN new THEN [s.id, s.external_id, t.id, t.external_id] END) AS added,
       collect(CASE WHEN size(before) > 0 THEN [s.id, s.external_id, t.id, t.external_id] END) AS updated
