// Edit an endpoint (its URL, events, secret, or where it resumes: a replay). The new
// generation stops a delivery in flight from settling with the old definition; the
// endpoint is due at once. Re-enabling one clears its failures.
MATCH (w:_Webhook {workspace: $workspace, id: $id})
SET w += $changes, w.updated_at = datetime(), w.generation = coalesce(w.generation, 0) + 1,
    w.next_attempt_at = datetime()
FOREACH (_ IN CASE WHEN $changes.enabled = true THEN [1] ELSE [] END |
  SET w.failures = 0, w.first_failure_at = null, w.disabled_reason = null, w.next_attempt_at = datetime())
RETURN w {.*, secret: null} AS webhook
