// When a prune was last restored, and how many of its associations came back then.
MATCH (p:_Prune {workspace: $workspace, id: $id})
SET p.restored_at = datetime(), p.restored = $restored
