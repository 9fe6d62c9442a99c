// Take or renew the lease $name for $holder, unless another holder's has not expired.
MERGE (l:_Lease {name: $name})
WITH l
WHERE l.holder IS NULL OR l.holder = $holder OR l.expires_at < datetime()
SET l.holder = $holder, l.expires_at = datetime() + duration({seconds: $seconds})
RETURN count(l) > 0 AS held
