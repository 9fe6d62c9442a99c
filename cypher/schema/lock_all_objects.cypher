// Lock every instance of a type in a workspace, in id order: while a cardinality
// change holds these, no writer can add an association through them.
MATCH (n:{{Label}} {workspace: $workspace})
WITH n
ORDER BY n.id
SET n._lock = true
REMOVE n._lock
