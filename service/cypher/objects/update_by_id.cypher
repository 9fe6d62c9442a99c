// Update one instance by id; returns nothing when it does not exist.
MATCH (n:{{Label}} {workspace: $workspace, id: $id})
SET n += $props,
    n.updated_at = datetime.transaction()
RETURN n.id AS id
