// The common ingest in one pass: create or update instances by external id and set one
// reference attribute whose target side is `many` (so no other holder can conflict).
// Targets are ids the caller resolved and locked; a row with touch = false leaves the
// reference alone, otherwise its targets replace the instance's current ones. A row whose
// values and targets the instance already holds writes nothing: its updated_at stays.
UNWIND $rows AS row
MERGE (n:{{Label}} {workspace: $workspace, external_id: row.external_id})
  ON CREATE SET n.id = row.new_id,
                n.created_at = datetime.transaction()
WITH n, row, n.id = row.new_id AS created
// For the change events: before, [key, stored value] of each value the row changes;
// removed, [id, external id] of each target it drops; added, the ids of targets it adds
// to an instance that existed (a new one's are its row's targets: not sent back).
WITH n, row, created,
     CASE WHEN created THEN [] ELSE [key IN keys(row.props)
       WHERE NOT coalesce(n[key] = row.props[key], n[key] IS NULL AND row.props[key] IS NULL) | [key, n[key]]] END AS before,
     CASE WHEN row.touch AND NOT created
       THEN [(n)-[:{{Rel}}]->(x:{{Target}}) WHERE NOT x.id IN row.targets | [x.id, x.external_id]] ELSE [] END AS removed,
     CASE WHEN NOT row.touch OR created THEN []
       ELSE [t IN row.targets WHERE NOT EXISTS { (n)-[:{{Rel}}]->(:{{Target}} {id: t}) }] END AS added
WITH n, row, created, before, removed, added,
     created OR size(before) > 0 OR size(removed) > 0 OR size(added) > 0 AS changed
CALL (n, row, changed) {
  WITH n, row
  WHERE changed
  SET n += row.props,
      n.updated_at = datetime.transaction()
}
CALL (n, row, created, changed) {
  WITH n, row
  WHERE changed AND row.touch AND NOT created
  MATCH (n)-[old:{{Rel}}]->(x:{{Target}})
  WHERE NOT x.id IN row.targets
  DELETE old
}
CALL (n, row, changed) {
  WITH n, row
  WHERE changed
  UNWIND row.targets AS target
  MATCH (t:{{Target}} {workspace: $workspace, id: target})
  MERGE (n)-[r:{{Rel}}]->(t)
    ON CREATE SET r.written_at = datetime.transaction(),
                  r.source_one = CASE WHEN $source_one THEN n.id END
}
RETURN collect(n.id) AS ids, collect(created) AS created, collect(changed) AS changed,
       collect(before) AS before, collect(removed) AS removed, collect(added) AS added
