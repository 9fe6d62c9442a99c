// Bootstrap: at most one record per (scope, version) of applied migrations.
CREATE CONSTRAINT refgraph_migration_version IF NOT EXISTS
FOR (m:_RefgraphMigration)
REQUIRE (m.scope, m.version) IS UNIQUE
