// The ends (End: sources when $at_source, else targets) of a reference's relationships
// (Rel, to or from Other) holding more than $most relationships whose $property holds
// $value, each with all of those relationships, most recently written first: what a
// tightened limit clears beyond the first $most, and what /v1/integrity reports.
MATCH (n:{{End}} {workspace: $workspace})-[r:{{Rel}}]-(o:{{Other}} {workspace: $workspace})
WHERE r[$property] = $value
  AND CASE WHEN $at_source THEN startNode(r) = n ELSE endNode(r) = n END
WITH n, r, o
ORDER BY r.written_at DESC, o.id DESC
WITH n, collect({rel: elementId(r), id: o.id, external_id: o.external_id}) AS held
WHERE size(held) > $most
RETURN n.id AS id, n.external_id AS external_id, size(held) AS count, held
ORDER BY n.id
