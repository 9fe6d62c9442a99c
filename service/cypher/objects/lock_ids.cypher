// Take the write lock of each node, in the order given (sorted by the caller, so
// concurrent writers lock in one order and do not deadlock), and count those that still
// exist: fewer than given means one was deleted since it was looked up.
UNWIND $ids AS id
MATCH (n:{{Label}} {workspace: $workspace, id: id})
SET n._lock = true
REMOVE n._lock
RETURN count(n) AS locked
