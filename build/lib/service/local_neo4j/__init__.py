"""A Neo4j Community server that refgraph fetches from Maven Central and runs itself.

    ensure_classpath()  mvn resolves service/local_neo4j/pom.xml once; the classpath is cached
    LocalNeo4j          one JVM child process: own home, conf, data and logs,
                        loopback-only, auth on, stopped with the process that owns it
"""

from service.local_neo4j.distribution import ensure_classpath
from service.local_neo4j.server import LocalNeo4j, Neo4jStartError

__all__ = ["LocalNeo4j", "Neo4jStartError", "ensure_classpath"]
