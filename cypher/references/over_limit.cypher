// The first of these ends (End: sources when $at_source, else targets) of a reference's
// relationships (Rel, to or from Other) that has more than $most of them whose $property
// holds $value, with the other ends of those relationships. The caller holds the ends' locks.
UNWIND $ends AS end
MATCH (n:{{End}} {workspace: $workspace, id: end})
CALL (n) {
  MATCH (n)-[r:{{Rel}}]-(o:{{Other}} {workspace: $workspace})
  WHERE r[$property] = $value
    AND CASE WHEN $at_source THEN startNode(r) = n ELSE endNode(r) = n END
  RETURN collect(o {.id, .external_id}) AS others
}
WITH n, others
WHERE size(others) > $most
RETURN n.id AS id, n.external_id AS external_id, others
LIMIT 1
