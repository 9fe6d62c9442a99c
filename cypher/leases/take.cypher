// Take or renew the lease $name for $holder, unless another holder's has not expired.
// The lease's write lock first: a second process checks only after the first committed.
MERGE (l:_Lease {name: $name})
SET l._lock = true
REMOVE l._lock
WITH l
WHERE l.holder IS NULL OR l.holder = $holder OR l.expires_at < datetime()
SET l.holder = $holder, l.expires_at = datetime() + duration({seconds: $seconds})
RETURN count(l) > 0 AS held
