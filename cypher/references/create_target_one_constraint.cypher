// A relationship whose target side is `one` stores the target's id in target_one.
CREATE CONSTRAINT IF NOT EXISTS
FOR ()-[r:{{Rel}}]-() REQUIRE r.target_one IS UNIQUE
