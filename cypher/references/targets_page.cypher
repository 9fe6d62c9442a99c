// A page of each holder's targets through this relationship, most recently written
// first: $skip, then at most $limit per holder (sorted and cut here, not in the caller);
// with $with_properties, each relationship's properties (the caller keeps the declared ones).
UNWIND $holders AS holder
MATCH (h:{{Holder}} {workspace: $workspace, id: holder})
CALL (h) {
  MATCH (h)-[r:{{Rel}}]-(t:{{Target}})
  WHERE CASE WHEN $outgoing THEN startNode(r) ELSE endNode(r) END = h
  RETURN t, r
  ORDER BY r.written_at DESC, t.id DESC
  SKIP $skip
  LIMIT $limit
}
RETURN holder, t.id AS id, t.external_id AS external_id, CASE WHEN $with_properties THEN properties(r) END AS properties
