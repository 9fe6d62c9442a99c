// A page of a connector's runs, newest first (run ids are time-ordered).
MATCH (r:_ConnectorRun {workspace: $workspace, connector_id: $connector})
WHERE $after IS NULL OR r.id < $after
RETURN r {.*, started_at: toString(r.started_at), finished_at: toString(r.finished_at)} AS run
ORDER BY r.id DESC
LIMIT $limit
