// Instances by id, in the order asked.
UNWIND range(0, size($ids) - 1) AS i
MATCH (n:{{Label}} {workspace: $workspace, id: $ids[i]})
RETURN n {.*} AS node
ORDER BY i
