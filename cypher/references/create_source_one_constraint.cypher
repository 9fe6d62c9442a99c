// A relationship whose source side is `one` stores the source's id in source_one:
// unique, so the database itself refuses a second edge from that source.
CREATE CONSTRAINT IF NOT EXISTS
FOR ()-[r:{{Rel}}]-() REQUIRE r.source_one IS UNIQUE
