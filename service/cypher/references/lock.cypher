// Take the write lock of each node, in the order given (sorted by the caller, so
// concurrent writers lock in one order and do not deadlock). A check made after this
// cannot be invalidated by a concurrent writer before commit. The count of those locked:
// fewer than given means one was deleted since the caller looked it up.
UNWIND $ids AS id
MATCH (n:{{Label}} {workspace: $workspace, id: id})
SET n._lock = true
REMOVE n._lock
RETURN count(n) AS locked
