// Hold a type while its schema changes, and move its version on. Every write of the
// type's objects takes this lock as its last statement (objects/seal), so a change that
// holds it sees every write committed before it, and a write checked against the old
// definition sees the new version and runs again (or fails, if the type is gone).
MATCH (t:_Type {workspace: $workspace, key: toLower($type)})
SET t.version = coalesce(t.version, 0) + 1
