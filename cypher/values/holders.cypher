// The objects that hold these values of a unique attribute (Key; its copy under the
// constraint is Unique), to name the holder in a refusal.
UNWIND $values AS value
MATCH (n:{{Label}} {workspace: $workspace})
WHERE n.{{Unique}} = value
RETURN n.id AS id, n.external_id AS external_id, n.{{Key}} AS value
LIMIT 100
