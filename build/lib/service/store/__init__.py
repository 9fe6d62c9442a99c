"""The store: named Cypher queries run in retry-safe transactions; speaks the domain."""
