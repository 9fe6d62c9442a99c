// People without a passport
// Everyone with no Passport holding them as its holder: whom to ask for documents.
// @param limit integer = 1000 : at most this many people
MATCH (p:Person {workspace: $workspace})
WHERE NOT EXISTS { (p)<-[:HOLDER]-(:Passport {workspace: $workspace}) }
RETURN p.id AS id, p.external_id AS external_id, p.name AS name, p.email AS email
ORDER BY id
LIMIT $limit
