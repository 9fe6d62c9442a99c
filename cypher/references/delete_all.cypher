// Remove every association of a reference attribute in a workspace.
MATCH (s:{{Source}} {workspace: $workspace})-[r:{{Rel}}]->(t:{{Target}})
DELETE r
