// The connectors that rely on an attribute ($key: 'Type.attribute').
MATCH (c:_Connector {workspace: $workspace})
WHERE $key IN c.uses
RETURN c.id AS id, c.name AS name
ORDER BY c.name
