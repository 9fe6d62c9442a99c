// One prune with the associations it deleted (a JSON list).
MATCH (p:_Prune {workspace: $workspace, id: $id})
RETURN p {.*} AS prune
