// Associations from this workspace's nodes to another workspace's: never made by refgraph.
MATCH (s:{{Source}} {workspace: $workspace})-[r:{{Rel}}]-(t)
WHERE t.workspace <> $workspace OR t.workspace IS NULL
RETURN count(r) AS count
