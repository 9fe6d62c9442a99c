"""refgraph: custom objects and references on Neo4j."""
