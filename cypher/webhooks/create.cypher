// A new webhook endpoint, starting after the last event of its workspace so far; none
// when the workspace has $max already (the workspace node's lock makes the count hold).
MERGE (ws:_Workspace {id: $props.workspace})
SET ws.webhooks_locked = true
REMOVE ws.webhooks_locked
WITH ws
WHERE COUNT { (:_Webhook {workspace: $props.workspace}) } < $max
OPTIONAL MATCH (s:_EventSequence {workspace: $props.workspace})
OPTIONAL MATCH (b:_EventBatch {workspace: $props.workspace, seq: s.last})
CREATE (w:_Webhook)
SET w = $props, w.enabled = true, w.failures = 0,
    w.position_seq = coalesce(s.last, 0), w.position_index = coalesce(b.count - 1, -1),
    w.next_attempt_at = datetime(), w.created_at = datetime(), w.updated_at = datetime()
RETURN w {.*, secret: null} AS webhook
