// A workspace's secret names (never their values).
MATCH (s:_Secret {workspace: $workspace})
RETURN s.name AS name, toString(s.updated_at) AS updated_at
ORDER BY name
