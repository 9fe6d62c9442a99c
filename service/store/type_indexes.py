"""The index every type's label has beside its constraints: ``(workspace, id)``, which lets
a workspace's list read only its own nodes. A type gets it when it is created (with its
constraints, ``store/schema.py``); types made before the index existed get it at start-up."""

from __future__ import annotations

import logging

from neo4j.exceptions import Neo4jError

from service.domain.identifiers import is_identifier
from service.store.database import Database

USES = ["schema/type_names", "schema/create_workspace_id_index"]
log = logging.getLogger("refgraph.store")


async def ensure_for_every_type(db: Database) -> None:
    names = sorted({row["name"] for row in await db.read_query("schema/type_names")})
    async with db.session() as session:
        for name in names:
            if not is_identifier(name):
                continue  # never spliced unchecked (a type's name was checked when it was made)
            try:
                await (await session.run(db.queries["schema/create_workspace_id_index"].query(Label=name))).consume()
            except Neo4jError as exc:  # another process creating it at the same moment
                log.info("index for %s not created here: %s", name, exc.message)
