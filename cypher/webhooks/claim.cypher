// Endpoints that are due (enabled, past their next attempt, not leased by a live
// process) and have events after their position: leased to $owner for $lease_s. The
// first SET takes each endpoint's lock; the lease is checked again under it, so two
// processes never both take one.
MATCH (w:_Webhook)
WHERE w.enabled AND w.next_attempt_at <= datetime() AND coalesce(w.lease_until, datetime('1970-01-01T00:00Z')) < datetime()
  AND EXISTS {
    MATCH (s:_EventSequence {workspace: w.workspace})
    WHERE s.last > w.position_seq
       OR EXISTS { MATCH (b:_EventBatch {workspace: w.workspace, seq: w.position_seq}) WHERE b.count - 1 > w.position_index }
  }
WITH w ORDER BY w.next_attempt_at LIMIT $limit
SET w.claims = coalesce(w.claims, 0) + 1
WITH w WHERE coalesce(w.lease_until, datetime('1970-01-01T00:00Z')) < datetime()
SET w.lease_until = datetime() + duration({milliseconds: toInteger($lease_s * 1000)}), w.lease_owner = $owner
RETURN w {.*} AS webhook
