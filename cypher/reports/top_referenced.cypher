// Most referenced objects of a type
// The objects of one type with the most associations (any reference attribute, either
// direction), most first: hubs such as a person with thousands of orders. Reads every
// object of the workspace.
// @param type string : the object type, e.g. Person
// @param limit integer = 20 : at most this many objects
MATCH (n:$($type) {workspace: $workspace})
WITH n, COUNT { (n)--(m {workspace: $workspace}) } AS references
WHERE references > 0
RETURN n.id AS id, n.external_id AS external_id, references
ORDER BY references DESC, id
LIMIT $limit
