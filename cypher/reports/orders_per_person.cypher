// Orders per person
// How many orders each person has placed and what they spent, most orders first: who
// the best customers are. People without orders are listed too, at the end.
// @param limit integer = 100 : at most this many people
MATCH (p:Person {workspace: $workspace})
OPTIONAL MATCH (p)<-[:CUSTOMER]-(o:Order {workspace: $workspace})
WITH p, count(o) AS orders, sum(o.total) AS spent
RETURN p.id AS id, p.external_id AS external_id, p.name AS name, p.email AS email,
       orders, round(spent, 2) AS spent
ORDER BY orders DESC, id
LIMIT $limit
