// Which of these ids exist for a type in a workspace.
UNWIND $ids AS id
MATCH (n:{{Label}} {workspace: $workspace, id: id})
RETURN n.id AS id, n.external_id AS external_id
