// Workspaces (tenants): one node each, keyed by its id.
CREATE CONSTRAINT refgraph_workspace_id IF NOT EXISTS
FOR (w:_Workspace)
REQUIRE w.id IS UNIQUE;
