"""What a delete would remove, read without removing anything: the console's
confirmation pages say it before an admin confirms ("deletes 1,162 associations")."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.domain.schema import AttributeDef, TypeDef
from service.domain.schema_rules import require_type
from service.errors import Conflict, NotFound
from service.store.deletes import cascade
from service.store.references import reference_counts
from service.store.schema import SchemaStore, load_types, read_type

USES = ["references/count_all", "schema/count_missing", "schema/count_objects", "objects/get", "objects/degree"]


@dataclass
class ObjectPlan:
    type_def: TypeDef
    external_id: str | None
    associations: dict[str, int]  # reference attribute -> targets held
    others: int = 0  # associations other objects hold to it through references it cannot read back
    also_deleted: dict[str, int] = field(default_factory=dict)  # type -> objects the cascade removes too
    refused: str | None = None  # why the delete would be refused (on_delete: restrict, too large a cascade)


class DeletePlans:
    def __init__(self, schema: SchemaStore):
        self.schema = schema
        self.db = schema.db

    async def of_object(self, workspace: str, type_name: str, object_id: str) -> ObjectPlan:
        await self.schema.ensure_workspace(workspace)

        async def work(tx):
            types = await load_types(tx, self.db, workspace)
            type_def = require_type(types, type_name)
            found = await (await tx.run(self.db.queries["objects/get"](Label=type_def.name), workspace=workspace,
                                        ids=[object_id])).single()
            if found is None:
                raise NotFound(f"no {type_def.name} with id {object_id!r}", code="unknown_object")
            plan = ObjectPlan(type_def, found["node"].get("external_id"),
                              await reference_counts(tx, self.db, workspace, type_def, object_id, ("one", "many")))
            degree = await (await tx.run(self.db.queries["objects/degree"](Label=type_def.name), workspace=workspace,
                                         id=object_id)).single()
            plan.others = max(0, degree["count"] - sum(plan.associations.values()))
            try:
                doomed = await cascade(tx, self.db, workspace, types, type_def.name, object_id)
            except Conflict as exc:
                plan.refused = exc.message
                return plan
            doomed[type_def.name].discard(object_id)
            plan.also_deleted = {label: len(ids) for label, ids in doomed.items() if ids}
            return plan

        return await self.db.read(work)

    async def of_attribute(self, workspace: str, type_name: str, name: str) -> tuple[TypeDef, AttributeDef, int]:
        """The type, the attribute and how much goes with it: associations for a
        reference, objects holding a value otherwise."""
        await self.schema.ensure_workspace(workspace)

        async def work(tx):
            owner = await read_type(tx, self.db, workspace, type_name)
            attribute = owner.find_case_insensitive(name)
            if attribute is None:
                raise NotFound(f"{owner.name} has no attribute named {name!r}", code="unknown_attribute")
            q = self.db.queries
            if attribute.is_reference:
                row = await (await tx.run(q["references/count_all"](
                    Holder=attribute.source_type, Target=attribute.target_type, Rel=attribute.rel_type),
                    workspace=workspace)).single()
                return owner, attribute, row["count"]
            total = await (await tx.run(q["schema/count_objects"](Label=owner.name), workspace=workspace)).single()
            missing = await (await tx.run(q["schema/count_missing"](Label=owner.name, Key=attribute.name),
                                          workspace=workspace)).single()
            return owner, attribute, total["count"] - missing["count"]

        return await self.db.read(work)
