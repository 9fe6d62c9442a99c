"""The ``refgraph neo4j`` and ``refgraph token`` command groups (the rest is service/cli.py)."""
