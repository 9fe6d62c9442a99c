// Create or update instances by external id (rows in order; a repeated external id
// updates the instance the earlier row created). The uniqueness constraint on
// (workspace, external_id) makes concurrent upserts of one external id meet on one node.
UNWIND $rows AS row
MERGE (n:{{Label}} {workspace: $workspace, external_id: row.external_id})
  ON CREATE SET n.id = row.new_id,
                n.created_at = datetime.transaction()
SET n += row.props,
    n.updated_at = datetime.transaction()
// One record of lists, in row order: far cheaper to send and decode than 10,000 rows.
RETURN collect(n.id) AS ids, collect(n.id = row.new_id) AS created
