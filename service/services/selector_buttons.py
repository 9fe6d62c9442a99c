"""A selector step's buttons: run the step's connector for the conversation (when it has
one), then offer what the display attribute holds, in the step's order. A failed run is
a reason, shown with the options from before."""

from __future__ import annotations

from service.services.connector_runs import ConnectorRuns
from service.domain.selectors import Buttons, offer
from service.store.selectors import SelectorStore


class SelectorButtons:
    def __init__(self, selectors: SelectorStore, runs: ConnectorRuns):
        self.selectors = selectors
        self.runs = runs

    async def buttons(self, workspace: str, conversation_id: str, selector_id: str) -> Buttons:
        await self.selectors.schema.ensure_workspace(workspace)
        spec = await self.selectors.spec(workspace, selector_id)
        run = None
        if spec.connector_id is not None:
            run = await self.runs.run(workspace, spec.connector_id, ("Conversation", conversation_id), {})
        return offer(spec, await self.selectors.options(workspace, conversation_id, spec), run)
