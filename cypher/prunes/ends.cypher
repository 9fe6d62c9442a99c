// Which of these ids still exist at each end of a relationship type.
OPTIONAL MATCH (s:{{Source}} {workspace: $workspace})
WHERE s.id IN $sources
WITH collect(s.id) AS sources
OPTIONAL MATCH (t:{{Target}} {workspace: $workspace})
WHERE t.id IN $targets
RETURN sources, collect(t.id) AS targets
