// Drop an index no workspace needs any more (its name as Neo4j gave it).
DROP INDEX {{Name}} IF EXISTS
