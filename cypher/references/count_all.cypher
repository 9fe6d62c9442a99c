// How many associations a reference holds in the workspace, from its holders' side.
MATCH (:{{Holder}} {workspace: $workspace})-[r:{{Rel}}]->(:{{Target}} {workspace: $workspace})
RETURN count(r) AS count
