"""Selector steps in the graph: definitions, the options a step offers, and selections.

A selection must be among the options; it replaces any earlier choice in one write that
locks the conversation, so a step answered twice at once ends with one selection.
(``service/services/selector_buttons.py`` runs the step's connector before offering buttons.)
"""

from __future__ import annotations

from typing import Any

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from service.domain.connectors import ConnectorSpec
from service.domain.records import TargetRef, new_id
from service.domain.saved import Saved
from service.domain.schema_rules import require_type
from service.domain.selectors import SelectorSpec, check_selector, keys
from service.errors import Conflict, InvalidInput, NotFound
from service.store.connectors import ConnectorStore
from service.store.database import Database
from service.store.change_log import caused_by, current_cause
from service.store.objects import ObjectStore
from service.store.references import lock_nodes, targets_of
from service.store.schema import load_types

USES = ["selectors/create", "selectors/get", "selectors/list", "selectors/delete", "selectors/using"]


class SelectorStore:
    def __init__(self, db: Database, objects: ObjectStore, connectors: ConnectorStore):
        self.db = db
        self.objects = objects
        self.connectors = connectors  # a step's connector is checked when the step is saved
        self.schema = objects.schema

    async def create(self, workspace: str, spec: SelectorSpec) -> Saved:
        await self.schema.ensure_workspace(workspace)

        async def work(tx: AsyncManagedTransaction):
            types = await load_types(tx, self.db, workspace)
            connector = None
            if spec.connector_id is not None:
                connector = (await self.connectors.read_in(tx, workspace, spec.connector_id)).spec_as(ConnectorSpec)
            problems = check_selector(types, spec, connector)
            if problems:
                raise InvalidInput(" ".join(problems), code="invalid_selector", details={"problems": problems})
            checked = spec.model_copy(update={"object_type": require_type(types, spec.object_type).name})
            conversation = require_type(types, "Conversation")
            props = {"workspace": workspace, "id": new_id(), "name": spec.name,
                     "spec": checked.model_dump_json(), **keys(checked),
                     "display_rel": conversation.attributes[spec.display_attribute].rel_type,
                     "selection_rel": conversation.attributes[spec.selection_attribute].rel_type}
            row = await (await tx.run(self.db.queries["selectors/create"](), props=props)).single()
            return Saved.from_row(row["selector"])

        try:
            return await self.db.write(work)
        except ConstraintError:
            raise Conflict(f"a selector step named {spec.name!r} already exists", code="duplicate_name") from None

    async def _get(self, tx, workspace: str, selector_id: str) -> Saved:
        row = await (await tx.run(self.db.queries["selectors/get"](), workspace=workspace,
                                  id=selector_id)).single()
        if row is None:
            raise NotFound(f"no selector step with id {selector_id!r}", code="unknown_selector")
        return Saved.from_row(row["selector"])

    async def get(self, workspace: str, selector_id: str) -> Saved:
        return await self.db.read(lambda tx: self._get(tx, workspace, selector_id))

    async def list(self, workspace: str, *, limit: int, after: str | None) -> tuple[list[Saved], bool]:
        found, more = await self.db.read_page("selectors/list", "selector", workspace=workspace, after=after,
                                              limit=limit)
        return [Saved.from_row(row) for row in found], more

    async def delete(self, workspace: str, selector_id: str) -> None:
        rows = await self.db.write_query("selectors/delete", workspace=workspace, id=selector_id)
        if not rows[0]["deleted"]:
            raise NotFound(f"no selector step with id {selector_id!r}", code="unknown_selector")

    # ---- buttons and selection -----------------------------------------------------

    async def spec(self, workspace: str, selector_id: str) -> SelectorSpec:
        return (await self.db.read(lambda tx: self._get(tx, workspace, selector_id))).spec_as(SelectorSpec)

    async def options(self, workspace: str, conversation_id: str, spec: SelectorSpec) -> list[dict[str, Any]]:
        """The objects the step's display attribute holds for the conversation."""
        async def work(tx: AsyncManagedTransaction):
            types = await load_types(tx, self.db, workspace)
            conversation, object_type = require_type(types, "Conversation"), require_type(types, spec.object_type)
            await self.objects.exists(tx, workspace, "Conversation", conversation_id)
            display = conversation.attributes[spec.display_attribute]
            ids = [t["id"] for t in (await targets_of(tx, self.db, workspace, display, [conversation_id]))
                   .get(conversation_id, [])]
            return await self.objects.read_in(tx, workspace, object_type, ids)

        return await self.db.read(work)

    async def select(self, workspace: str, conversation_id: str, selector_id: str, object_id: str) -> dict:
        await self.schema.ensure_workspace(workspace)

        async def work(tx: AsyncManagedTransaction):
            spec = (await self._get(tx, workspace, selector_id)).spec_as(SelectorSpec)
            types = await load_types(tx, self.db, workspace)
            conversation, object_type = require_type(types, "Conversation"), require_type(types, spec.object_type)
            await self.objects.exists(tx, workspace, "Conversation", conversation_id)
            await self.objects.exists(tx, workspace, object_type.name, object_id)
            # Lock the conversation first: concurrent selections for it go one at a time,
            # and each sees the options as the one before left them.
            await lock_nodes(tx, self.db, workspace, {"Conversation": {conversation_id}})
            display = conversation.attributes[spec.display_attribute]
            options = {t["id"] for t in (await targets_of(tx, self.db, workspace, display, [conversation_id]))
                       .get(conversation_id, [])}
            if object_id not in options:
                raise InvalidInput(f"{object_type.name} {object_id} was not among the options offered "
                                   f"(Conversation.{spec.display_attribute})", code="not_an_option",
                                   details={"options": sorted(options)})
            await self.objects.write_references_in(tx, workspace, conversation, conversation_id,
                                                   spec.selection_attribute, [TargetRef(id=object_id)])
            return (await self.objects.read_in(tx, workspace, conversation, [conversation_id]))[0]

        with caused_by(current_cause().because("selection", selector_id)):
            return await self.objects.run_write(work)

