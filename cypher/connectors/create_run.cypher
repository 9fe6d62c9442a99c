// The record of one run, attached to its connector. $props: id, workspace, status,
// subject_type, subject_id, http_status, counts, error_class, error_message,
// started_at and finished_at (ISO text).
MATCH (c:_Connector {workspace: $workspace, id: $connector})
CREATE (r:_ConnectorRun)-[:RUN_OF]->(c)
SET r = $props, r.started_at = datetime($props.started_at), r.finished_at = datetime($props.finished_at)
