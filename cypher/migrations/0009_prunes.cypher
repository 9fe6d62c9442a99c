// Prunes: what a cardinality change deleted, by id, per workspace.
CREATE CONSTRAINT refgraph_prune_id IF NOT EXISTS
FOR (p:_Prune) REQUIRE p.id IS UNIQUE;
CREATE RANGE INDEX refgraph_prune_workspace IF NOT EXISTS
FOR (p:_Prune) ON (p.workspace);
