// Instances of a type have a unique id (assigned by refgraph).
CREATE CONSTRAINT IF NOT EXISTS
FOR (n:{{Label}}) REQUIRE n.id IS UNIQUE
