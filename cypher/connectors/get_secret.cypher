// One secret's encrypted value.
MATCH (s:_Secret {workspace: $workspace, name: $name})
RETURN s.value AS value
