// An attribute stops being unique (or is deleted): its copies under the constraint's
// key go, so the constraint no longer applies to this workspace's objects.
MATCH (n:{{Label}} {workspace: $workspace})
WHERE n.{{Unique}} IS NOT NULL
REMOVE n.{{Unique}}
