// Objects of a type found by the value of a unique attribute (its copy under the
// constraint, Unique, which the constraint's index serves): [position in $values, id].
UNWIND range(0, size($values) - 1) AS i
MATCH (n:{{Label}} {workspace: $workspace})
WHERE n.{{Unique}} = $values[i]
RETURN collect([i, n.id]) AS found
