// Selections per object and day
// For every selector step: how many conversations chose each object, per day the choice
// was made (the day the selection was last written), newest day first.
// @param limit integer = 1000 : at most this many rows
MATCH (s:_Selector {workspace: $workspace})
MATCH (c:Conversation {workspace: $workspace})-[r:$(s.selection_rel)]->(o {workspace: $workspace})
WITH s, o, date(r.written_at) AS day, count(c) AS selections
RETURN s.name AS selector, o.id AS object_id, o.external_id AS object_external_id,
       day, selections
ORDER BY day DESC, selections DESC, selector, object_id
LIMIT $limit
