// Which of these ids exist for a type in a workspace.
UNWIND $ids AS id
MATCH (n:{{Label}} {workspace: $workspace, id: id})
RETURN collect(n.id) AS ids, collect(n.external_id) AS external_ids
