// Create instances that have no external id.
UNWIND $rows AS row
CREATE (n:{{Label}} {workspace: $workspace, id: row.new_id})
SET n += row.props,
    n.created_at = datetime.transaction(),
    n.updated_at = datetime.transaction()
RETURN collect(n.id) AS ids, collect(true) AS created, collect(true) AS changed, collect([]) AS before
