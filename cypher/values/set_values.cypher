// Set values on objects by id (an options change mapping or clearing removed values).
UNWIND $rows AS row
MATCH (n:{{Label}} {workspace: $workspace, id: row.id})
SET n += row.props,
    n.updated_at = datetime.transaction()
