// Create or update instances by the value of a unique attribute (?match_on=): its copy
// under the uniqueness constraint (Unique) is what MERGE finds, so concurrent upserts of
// one value meet on one node. Otherwise as objects/upsert; an external_id the record
// gives is one of its props.
UNWIND $rows AS row
MERGE (n:{{Label}} {workspace: $workspace, {{Unique}}: row.match})
  ON CREATE SET n.id = row.new_id,
                n.created_at = datetime.transaction()
WITH n, row, n.id = row.new_id AS created
WITH n, row, created,
     CASE WHEN created THEN [] ELSE [key IN keys(row.props)
       WHERE NOT coalesce(n[key] = row.props[key], n[key] IS NULL AND row.props[key] IS NULL) | [key, n[key]]] END AS before
WITH n, row, created, before, created OR size(before) > 0 AS changed
CALL (n, row, changed) {
  WITH n, row
  WHERE changed
  SET n += row.props,
      n.updated_at = datetime.transaction()
}
RETURN collect(n.id) AS ids, collect(created) AS created, collect(changed) AS changed, collect(before) AS before
