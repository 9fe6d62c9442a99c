// The last statement of a write of a type's objects: wait for a schema change of the
// type to commit (schema/lock_type), then read the type again, as it is now: its
// version, or null if it was deleted meanwhile. The write was checked against the
// version it read first; if they differ it rolls back. (The count ends the locking
// part, so the second MATCH reads after the lock is held.)
MATCH (t:_Type {workspace: $workspace, key: $key})
SET t._seal = true
REMOVE t._seal
WITH count(t) AS locked
OPTIONAL MATCH (now:_Type {workspace: $workspace, key: $key})
RETURN coalesce(now.version, 0) AS version, now IS NOT NULL AS exists
