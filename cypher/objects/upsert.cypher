// Create or update instances by external id (rows in order; a repeated external id
// updates the instance the earlier row created). The uniqueness constraint on
// (workspace, external_id) makes concurrent upserts of one external id meet on one node.
// A row whose values the instance already holds writes nothing: its updated_at stays.
UNWIND $rows AS row
MERGE (n:{{Label}} {workspace: $workspace, external_id: row.external_id})
  ON CREATE SET n.id = row.new_id,
                n.created_at = datetime.transaction()
WITH n, row, n.id = row.new_id AS created
// before: [key, stored value] of each value the row changes (for the change event)
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
// One record of lists, in row order: far cheaper to send and decode than 10,000 rows.
RETURN collect(n.id) AS ids, collect(created) AS created, collect(changed) AS changed, collect(before) AS before
