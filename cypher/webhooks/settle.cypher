// After a delivery (or a skip of events the endpoint does not take): its new position,
// failures, next attempt, and, when it has failed too long, disabled with the reason.
// Only the holder of a live lease on the endpoint as it was claimed ($generation: an
// edit, a replay or a rotation since makes it stop) settles; the lease is renewed, or
// released when $release.
MATCH (w:_Webhook {workspace: $workspace, id: $id})
WHERE w.lease_owner = $owner AND w.lease_until > datetime() AND coalesce(w.generation, 0) = $generation
SET w.position_seq = $position_seq, w.position_index = $position_index, w.failures = $failures,
    w.first_failure_at = CASE WHEN $failures = 0 THEN null ELSE coalesce(w.first_failure_at, datetime()) END,
    w.next_attempt_at = datetime() + duration({milliseconds: toInteger($retry_in_s * 1000)}),
    w.lease_until = CASE WHEN $release THEN null
                         ELSE datetime() + duration({milliseconds: toInteger($lease_s * 1000)}) END
WITH w
SET w.enabled = CASE WHEN $failures > 0 AND w.first_failure_at <= datetime() - duration({seconds: $disable_after_s})
                     THEN false ELSE w.enabled END,
    w.disabled_reason = CASE WHEN $failures > 0 AND w.first_failure_at <= datetime() - duration({seconds: $disable_after_s})
                             THEN $reason ELSE w.disabled_reason END
RETURN w.enabled AS enabled
