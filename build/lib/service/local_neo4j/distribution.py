"""Resolve the Neo4j server and Browser jars from Maven Central, once.

Maven keeps the jars in its own repository (~/.m2); we keep only the classpath it
prints, in a file named after a hash of the pom, so a changed pom resolves again and
an unchanged one never calls Maven twice.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

POM = Path(__file__).with_name("pom.xml")


class DistributionError(RuntimeError):
    pass


def ensure_classpath(cache_dir: Path, *, pom: Path = POM) -> str:
    """The Java classpath of the Neo4j server, resolving it with Maven if needed."""
    key = hashlib.sha256(pom.read_bytes()).hexdigest()[:16]
    cached = cache_dir / f"neo4j-{key}.classpath"
    if cached.exists():
        classpath = cached.read_text().strip()
        if classpath and all(Path(jar).exists() for jar in classpath.split(os.pathsep)):
            return classpath
    mvn = shutil.which("mvn")
    if mvn is None:
        raise DistributionError(
            "Maven (mvn) is needed once to fetch the Neo4j server from Maven Central; "
            "install it, or set NEO4J_URI to use an existing Neo4j"
        )
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".partial")
    result = subprocess.run(
        [mvn, "-q", "-B", "-f", str(pom), "dependency:build-classpath",
         f"-Dmdep.outputFile={partial}"],
        capture_output=True, text=True,
    )
    if result.returncode != 0 or not partial.exists():
        raise DistributionError(
            f"mvn could not resolve {pom}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )
    partial.replace(cached)
    return cached.read_text().strip()
