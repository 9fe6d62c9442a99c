// Delete relationships by element id; each one's ends, for the change events.
UNWIND $rels AS rel
MATCH (s)-[r]->(t)
WHERE elementId(r) = rel
WITH r, [s.id, s.external_id, t.id, t.external_id] AS ends
DELETE r
RETURN collect(ends) AS removed
