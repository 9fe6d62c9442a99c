// A unique attribute: no two objects of a type in one workspace hold one value. The
// value is copied to its own key (see AttributeDef.unique_key) that only objects of
// workspaces where the attribute is unique carry, so the label's other workspaces are
// not constrained.
CREATE CONSTRAINT IF NOT EXISTS
FOR (n:{{Label}}) REQUIRE (n.workspace, n.{{Unique}}) IS UNIQUE
