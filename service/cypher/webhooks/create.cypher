// A new webhook endpoint, starting after the last event of its workspace so far.
OPTIONAL MATCH (s:_EventSequence {workspace: $props.workspace})
OPTIONAL MATCH (b:_EventBatch {workspace: $props.workspace, seq: s.last})
CREATE (w:_Webhook)
SET w = $props, w.enabled = true, w.failures = 0,
    w.position_seq = coalesce(s.last, 0), w.position_index = coalesce(b.count - 1, -1),
    w.next_attempt_at = datetime(), w.created_at = datetime(), w.updated_at = datetime()
RETURN w {.*, secret: null} AS webhook
