// Selections no longer among the options
// Conversations whose selected object is no longer one of the options their display
// attribute holds (a later connector run changed the options): the choice may be stale.
// @param limit integer = 1000 : at most this many conversations
MATCH (s:_Selector {workspace: $workspace})
MATCH (c:Conversation {workspace: $workspace})-[:$(s.selection_rel)]->(o {workspace: $workspace})
WHERE NOT EXISTS { MATCH (c)-[:$(s.display_rel)]->(o) }
RETURN s.name AS selector, c.id AS conversation_id, c.external_id AS conversation_external_id,
       o.id AS selected_id, o.external_id AS selected_external_id
ORDER BY selector, conversation_id
LIMIT $limit
