// Data connectors, their runs, and the write-only secrets they use, per workspace.
CREATE CONSTRAINT refgraph_connector_id IF NOT EXISTS
FOR (c:_Connector) REQUIRE c.id IS UNIQUE;

CREATE CONSTRAINT refgraph_connector_name IF NOT EXISTS
FOR (c:_Connector) REQUIRE (c.workspace, c.name) IS UNIQUE;

CREATE CONSTRAINT refgraph_connector_run_id IF NOT EXISTS
FOR (r:_ConnectorRun) REQUIRE r.id IS UNIQUE;

CREATE CONSTRAINT refgraph_secret_name IF NOT EXISTS
FOR (s:_Secret) REQUIRE (s.workspace, s.name) IS UNIQUE;
