// Instances by external id (those that exist), with their properties.
UNWIND $external_ids AS external_id
MATCH (n:{{Label}} {workspace: $workspace, external_id: external_id})
RETURN n {.*, created_at: toString(n.created_at), updated_at: toString(n.updated_at), external_created_at: toString(n.external_created_at), external_updated_at: toString(n.external_updated_at)} AS node
