// Clear one property (Key) of these relationships (by element id): a tightened limit's
// excess. Returns their ends, for the change events.
UNWIND $rels AS rel
MATCH (s)-[r]->(t)
WHERE elementId(r) = rel
REMOVE r.{{Key}}
RETURN collect([s.id, s.external_id, t.id, t.external_id]) AS ends
