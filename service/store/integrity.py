"""GET /v1/integrity: scan a workspace for what refgraph's writes never produce but a
hand-written Cypher statement can: a `one` side holding two associations, or an
association crossing into another workspace, or more associations with a limited
property value than the reference's limit."""

from __future__ import annotations

from typing import Any

from neo4j import unit_of_work
from neo4j.exceptions import ClientError

from service.errors import InvalidInput
from service.store.database import Database, timed_out
from service.store.references import limit_excess
from service.store.schema import SchemaStore, load_types

USES = ["references/find_violations", "references/find_foreign"]


async def _over_limits(tx, db: Database, workspace: str, attribute) -> list[dict[str, Any]]:
    """Ends holding more associations with a limited value than the reference's limit."""
    out = []
    for limit, at_source, most, excess in await limit_excess(tx, db, workspace, attribute):
        for row in excess:
            out.append({"code": "limit_violation", "attribute": f"{attribute.type}.{attribute.name}",
                        "limit": limit.as_json(), "object": {
                            "id": row["id"], "type": attribute.source_type if at_source else attribute.target_type,
                            "external_id": row["external_id"]}, "count": row["count"]})
    return out


async def scan(db: Database, schema: SchemaStore, workspace: str, *, timeout_s: float) -> dict[str, Any]:
    """Every check in one read transaction that Neo4j stops after ``timeout_s`` (the
    reports' limit, REFGRAPH_REPORT_TIMEOUT_S): 422 ``integrity_timeout``."""
    await schema.ensure_workspace(workspace)

    @unit_of_work(timeout=timeout_s, metadata={"query": "integrity"})
    async def work(tx):
        types = await load_types(tx, db, workspace)
        violations, checked = [], []
        for t in types.values():
            for a in t.attributes.values():
                if not a.is_reference or a.direction != "out":
                    continue
                pattern = {"Source": a.source_type, "Target": a.target_type, "Rel": a.rel_type}
                checked.append(f"{t.name}.{a.name}")
                sides = [("source", a.type, a.name, a.source_one),
                         ("target", a.target, a.inverse_name, a.target_one)]
                for side, holder_type, holder_attribute, is_one in sides:
                    if not is_one:
                        continue
                    result = await tx.run(db.queries["references/find_violations"](**pattern),
                                          workspace=workspace, side=side)
                    async for row in result:
                        violations.append({
                            "code": "cardinality_violation",
                            "attribute": f"{holder_type}.{holder_attribute or a.name}",
                            "object": {"id": row["id"], "type": holder_type,
                                       "external_id": row["external_id"]},
                            "count": row["count"],
                        })
                violations += await _over_limits(tx, db, workspace, a)
                row = await (await tx.run(db.queries["references/find_foreign"](**pattern),
                                          workspace=workspace)).single()
                if row["count"]:
                    violations.append({"code": "foreign_association",
                                       "attribute": f"{t.name}.{a.name}", "count": row["count"]})
        return {"ok": not violations, "checked": checked, "violations": violations}

    try:
        return await db.read(work)
    except ClientError as exc:
        if not timed_out(exc):
            raise
        raise InvalidInput(f"the integrity scan ran longer than its limit of {timeout_s:g} s",
                           code="integrity_timeout",
                           details={"limit": "REFGRAPH_REPORT_TIMEOUT_S", "value": timeout_s}) from None
