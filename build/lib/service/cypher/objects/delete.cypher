// Delete instances and every relationship they have.
UNWIND $ids AS id
MATCH (n:{{Label}} {workspace: $workspace, id: id})
DETACH DELETE n
