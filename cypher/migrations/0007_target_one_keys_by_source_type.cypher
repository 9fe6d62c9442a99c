// target_one keys become "<source type>:<target id>" (they were the target's id), so two
// types may share a relationship type towards one target type, each with its own `one`
// side (Car.owner and Boat.owner, each with a one-to-one inverse on Person). Ids hold no
// ':', so a key already rewritten is left alone.
MATCH ()-[r]->()
WHERE r.target_one IS NOT NULL AND NOT r.target_one CONTAINS ':'
SET r.target_one = labels(startNode(r))[0] + ':' + r.target_one;
