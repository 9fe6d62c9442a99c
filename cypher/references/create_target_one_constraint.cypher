// A relationship whose target side is `one` stores "<source type>:<target id>" in
// target_one: two source types may share the relationship type (Car.owner, Boat.owner).
CREATE CONSTRAINT IF NOT EXISTS
FOR ()-[r:{{Rel}}]-() REQUIRE r.target_one IS UNIQUE
