"""One object's reference attribute, as the references routes edit it: a page of its
targets, replace or add targets, remove one."""

from __future__ import annotations

from service.domain.records import Problem, TargetRef, checked_properties, refusal
from service.errors import InvalidInput, NotFound
from service.store.objects import ObjectStore
from service.store.references import delete_relationships, targets_of, targets_page
from service.store.schema import read_type


class ObjectReferences:
    """The references routes: read, replace, add and remove one attribute's targets."""

    def __init__(self, objects: ObjectStore):
        self.objects = objects
        self.db = objects.db

    async def _attribute(self, tx, workspace: str, type_name: str, object_id: str, name: str):
        type_def = await read_type(tx, self.db, workspace, type_name)
        attribute = type_def.attribute(name) or type_def.find_case_insensitive(name)
        if attribute is None or not attribute.is_reference:
            raise NotFound(f"{type_def.name} has no reference attribute {name!r}",
                           code="unknown_attribute", details={"attribute": name})
        await self.objects.exists(tx, workspace, type_def.name, object_id)
        return type_def, attribute

    async def read(self, workspace: str, type_name: str, object_id: str, name: str, *, skip: int, limit: int):
        """The attribute and a page of the object's targets, most recently written first."""
        await self.objects.schema.ensure_workspace(workspace)

        async def work(tx):
            _, attribute = await self._attribute(tx, workspace, type_name, object_id, name)
            page = await targets_page(tx, self.db, workspace, attribute, [object_id], skip=skip, limit=limit)
            return attribute, page[object_id]

        return await self.db.read(work)

    async def write(self, workspace: str, type_name: str, object_id: str, name: str,
                    targets: list[TargetRef], *, mode: str, reassign: bool) -> None:
        await self.objects.schema.ensure_workspace(workspace)

        async def work(tx):
            type_def, attribute = await self._attribute(tx, workspace, type_name, object_id, name)
            if attribute.cardinality == "one" and len(targets) > 1:
                raise InvalidInput(f"{attribute.name} is a reference to one {attribute.target}: "
                                   f"{len(targets)} targets given", code="cardinality")
            problems: list[Problem] = []
            checked = checked_properties(attribute, targets, 0, problems)
            if problems:
                raise refusal(problems)
            await self.objects.write_references_in(tx, workspace, type_def, object_id, attribute.name,
                                                   checked, mode=mode, reassign=reassign)

        await self.objects.run_write(work)

    async def remove(self, workspace: str, type_name: str, object_id: str, name: str,
                     target_id: str) -> None:
        await self.objects.schema.ensure_workspace(workspace)

        async def work(tx):
            _, attribute = await self._attribute(tx, workspace, type_name, object_id, name)
            targets = (await targets_of(tx, self.db, workspace, attribute, [object_id]))[object_id]
            rels = [t["rel"] for t in targets if t["id"] == target_id]
            if not rels:
                raise NotFound(f"{attribute.name} of {object_id} does not include {target_id}",
                               code="unknown_reference")
            await delete_relationships(tx, self.db, workspace, attribute, rels)

        await self.db.write(work)
