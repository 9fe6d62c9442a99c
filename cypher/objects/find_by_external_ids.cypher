// Which of these external ids already exist for a type in a workspace.
UNWIND $external_ids AS external_id
MATCH (n:{{Label}} {workspace: $workspace, external_id: external_id})
RETURN collect([n.external_id, n.id]) AS found
