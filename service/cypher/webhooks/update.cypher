// Edit an endpoint. Re-enabling one clears its failures and makes it due at once; $position
// (replay) moves where it resumes.
MATCH (w:_Webhook {workspace: $workspace, id: $id})
SET w += $changes, w.updated_at = datetime()
FOREACH (_ IN CASE WHEN $changes.enabled = true THEN [1] ELSE [] END |
  SET w.failures = 0, w.first_failure_at = null, w.disabled_reason = null, w.next_attempt_at = datetime())
RETURN w {.*, secret: null} AS webhook
