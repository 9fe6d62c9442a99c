// Passports expiring before a date
// Passports whose expires_on is before the given date, soonest first, with their holder.
// @param before date : the first day that no longer counts as expiring (YYYY-MM-DD)
// @param limit integer = 1000 : at most this many passports
MATCH (x:Passport {workspace: $workspace})
WHERE x.expires_on < $before
OPTIONAL MATCH (x)-[:HOLDER]->(p:Person {workspace: $workspace})
RETURN x.id AS id, x.external_id AS external_id, x.number AS number, x.country AS country,
       x.expires_on AS expires_on, p.external_id AS holder_external_id, p.name AS holder_name
ORDER BY expires_on, id
LIMIT $limit
