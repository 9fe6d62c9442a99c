// A connector and its run records; how many connectors went (0 or 1).
MATCH (c:_Connector {workspace: $workspace, id: $id})
OPTIONAL MATCH (c)<-[:RUN_OF]-(r:_ConnectorRun)
DETACH DELETE r
WITH DISTINCT c
DETACH DELETE c
RETURN count(*) AS deleted
