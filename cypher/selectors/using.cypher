// The selector steps that use an attribute ($key: 'Conversation.<attribute>'), and how.
MATCH (s:_Selector {workspace: $workspace})
WHERE s.display_key = $key OR s.selection_key = $key
RETURN s.id AS id, s.name AS name,
       CASE WHEN s.display_key = $key THEN 'display' ELSE 'selection' END AS role
ORDER BY s.name
