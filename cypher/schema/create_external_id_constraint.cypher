// external_id is unique per (workspace, type): the database refuses a duplicate.
CREATE CONSTRAINT IF NOT EXISTS
FOR (n:{{Label}}) REQUIRE (n.workspace, n.external_id) IS UNIQUE
