// Delete instances and every relationship they have. deleted: [id, external id] of each
// instance; relationships: the ends of each relationship that went with them
// ([element id, type, source label, source id, source external id, target id, target
// external id]), for the change events.
UNWIND $ids AS id
MATCH (n:{{Label}} {workspace: $workspace, id: id})
WITH n, [n.id, n.external_id] AS gone,
     [(n)-[r]->(t) | [elementId(r), type(r), labels(n)[0], n.id, n.external_id, t.id, t.external_id]]
     + [(s)-[r]->(n) | [elementId(r), type(r), labels(s)[0], s.id, s.external_id, n.id, n.external_id]] AS rels
DETACH DELETE n
RETURN collect(gone) AS deleted, reduce(all = [], r IN collect(rels) | all + r) AS relationships
