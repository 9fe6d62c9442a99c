// Take the write lock of each node, in the order given (sorted by the caller, so
// concurrent writers lock in one order and do not deadlock): a write of the value it
// holds takes a node's write lock and changes nothing. A check made after this
// cannot be invalidated by a concurrent writer before commit. The count of those found
// again once every lock is held: fewer than given means one was deleted since the
// caller looked it up, or while this write waited for its lock.
UNWIND $ids AS id
MATCH (n:{{Label}} {workspace: $workspace, id: id})
SET n.id = id
WITH collect(id) AS ids
RETURN size([id IN ids WHERE EXISTS { (:{{Label}} {workspace: $workspace, id: id}) }]) AS locked
