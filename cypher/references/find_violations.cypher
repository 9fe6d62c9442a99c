// Nodes on a `one` side holding more than one association (made around refgraph, for
// example by hand in Neo4j Browser). $side: 'source' or 'target'.
MATCH (s:{{Source}} {workspace: $workspace})-[r:{{Rel}}]->(t:{{Target}})
WITH CASE WHEN $side = 'source' THEN s ELSE t END AS n, count(r) AS count
WHERE count > 1
RETURN n.id AS id, n.external_id AS external_id, count
ORDER BY count DESC, id
LIMIT 100
