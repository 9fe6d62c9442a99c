"""The console's Changes: every prune of the workspace (a change to a reference that
deleted associations), newest first, what each changed and how much; one prune's page
with what it deleted and the way to restore it; and restoring, which lands back on that
page saying what came back and, in words, why the rest did not."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Request

from service.console.kit import describe, lacks, not_found, page, posted, redirect_saying, session_of, to_sign_in
from service.console.words import counted
from service.domain.schema import TypeDef
from service.errors import DomainError, NotFound

router = APIRouter(prefix="/console", include_in_schema=False)
SAMPLE = 50


def what_changed(types: dict[str, TypeDef], prune: dict, labels: dict[str, str]) -> dict:
    """The prune's type and attribute as the page names and links them, and the rule the
    change made, in words (the attribute read now, with the cardinalities the change set)."""
    owner = types.get(prune["type"].lower())
    attribute = owner.attribute(prune["attribute"]) if owner else None
    if attribute is None:
        return {"type": prune["type"], "type_label": labels.get(prune["type"], prune["type"]), "attribute": None,
                "label": prune["attribute"], "rule": "The attribute has been deleted since."}
    if prune.get("set_cardinality"):  # what the change set
        rule = describe(owner, attribute.with_changes(cardinality=prune["set_cardinality"],
                                                      inverse_cardinality=prune["set_inverse_cardinality"]), labels)
    else:  # a prune kept before refgraph recorded that: the rule before it
        rule = "Before: " + describe(owner, attribute.with_changes(
            cardinality=prune.get("cardinality") or attribute.cardinality,
            inverse_cardinality=prune.get("inverse_cardinality") or attribute.inverse_cardinality), labels)
    # the relationship's two ends, as the restore's reasons name them (an inverse reads it backwards)
    return {"type": owner.name, "type_label": owner.label, "attribute": attribute.name, "label": attribute.label,
            "rule": rule, "source": labels.get(attribute.source_type, attribute.source_type),
            "target": labels.get(attribute.target_type, attribute.target_type)}


def made_by(token_id: str | None) -> str:
    """Who made a change: the token's id as `refgraph token list` shows it."""
    if not token_id:
        return "not recorded"
    return "a static token" if token_id.startswith("static:") else f"token {token_id}"


def why_not(reason: str, count: int, change: dict) -> str:
    """Why ``count`` associations did not come back, as a sentence (``source`` holds the
    relationship, ``target`` is its other end)."""
    source, target = change.get("source", "object"), change.get("target", "object")
    them = "1 was" if count == 1 else f"{count} were"
    again = f"Turn the toggle of {change['label']} back on first to bring them all back."
    return {
        "source_deleted": f"{them} not put back: the {source} has been deleted since.",
        "target_deleted": f"{them} not put back: the {target} has been deleted since.",
        "exists": f"{them} already there.",
        "source_holds_another": f"{them} not put back: the {source} already references another {target}, "
                                f"and may reference only one. {again}",
        "target_holds_another": f"{them} not put back: the {target} already has another {source}, and may "
                                f"have only one. {again}",
    }.get(reason, f"{them} not put back ({reason}).")


async def _context(request: Request, session) -> tuple[dict[str, TypeDef], dict[str, str]]:
    types = {t.name.lower(): t for t in await request.app.state.schema.list_types(session.caller.workspace)}
    return types, {t.name: t.label for t in types.values()}


@router.get("/changes")
async def changes_page(request: Request, cursor: str | None = None):
    session = await session_of(request)
    if session is None:
        return to_sign_in()
    prunes, more = await request.app.state.prunes.list(session.caller.workspace, limit=SAMPLE, after=cursor)
    types, labels = await _context(request, session)
    return await page(request, "changes.html", {
        "title": "Changes", "session": session, "labels": labels,
        "changes": [(p, what_changed(types, p, labels), made_by(p.get("by_token"))) for p in prunes],
        "next_cursor": prunes[-1]["id"] if more else None})


@router.get("/changes/{prune_id}")
async def change_page(request: Request, prune_id: str):
    session = await session_of(request)
    return await _change_page(request, session, prune_id) if session else to_sign_in()


async def _change_page(request: Request, session, prune_id: str, *, errors=None, status_code: int = 200):
    try:
        prune = await request.app.state.prunes.get(session.caller.workspace, prune_id)
    except DomainError as exc:
        return await not_found(request, exc)
    types, labels = await _context(request, session)
    return await page(request, "change.html", {
        "title": "Change", "session": session, "labels": labels, "prune": prune,
        "change": what_changed(types, prune, labels), "by": made_by(prune.get("by_token")),
        "associations": prune["associations"][:SAMPLE], "errors": errors or {}}, status_code=status_code)


@router.post("/prunes/{prune_id}/restore")
async def restore(request: Request, prune_id: str):
    session, _, ended = await posted(request)
    if ended:
        return ended
    back = f"/console/changes/{prune_id}"
    if errors := lacks(session, "admin", "Restoring associations"):
        return await _change_page(request, session, prune_id, errors=errors, status_code=403)
    try:
        prune = await request.app.state.prunes.get(session.caller.workspace, prune_id)
        result = await request.app.state.prunes.restore(session.caller.workspace, prune_id)
    except NotFound as exc:
        return await not_found(request, exc)
    except DomainError as exc:
        return redirect_saying(request, back, f"Nothing was restored: {exc.message}")
    types, labels = await _context(request, session)
    change = what_changed(types, prune, labels)
    restored = result["restored"]
    said = [f"{counted(restored, 'association')} restored."]
    said += [why_not(reason, count, change)
             for reason, count in Counter(s["reason"] for s in result["skipped"]).items()]
    return redirect_saying(request, back, " ".join(said))
