// Instances by id, in the order asked.
UNWIND range(0, size($ids) - 1) AS i
MATCH (n:{{Label}} {workspace: $workspace, id: $ids[i]})
RETURN n {.*, created_at: toString(n.created_at), updated_at: toString(n.updated_at), external_created_at: toString(n.external_created_at), external_updated_at: toString(n.external_updated_at)} AS node
ORDER BY i
