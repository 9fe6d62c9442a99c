"""The console's deletes: a type, an attribute, an object, a data connector and a
selector step, each behind a confirmation page that says what goes with it ("deletes
1,162 associations") before anything is deleted. The page's button posts to the same
address with ``confirm=yes``; a post without it shows the page again, so no form
elsewhere can delete in one step."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from fastapi import APIRouter, Request

from service.console.kit import (
    Need,
    in_words,
    labels_of,
    lacks,
    not_found,
    page,
    posted,
    redirect_saying,
    session_of,
    to_sign_in,
)
from service.console.words import counted, number, plural
from service.errors import DomainError, NotFound
from service.store.attribute_changes import AttributeEditor

router = APIRouter(prefix="/console", include_in_schema=False)


@dataclass
class Confirmation:
    title: str
    sentences: list[str]
    button: str
    cancel: str
    doing: str
    need: Need = "admin"
    refused: str | None = None
    errors: dict[str, str] = field(default_factory=dict)


async def _confirm_or_delete(request: Request, plan, delete):
    """GET: the confirmation page; POST with ``confirm=yes``: ``delete()`` (the redirect
    it answers), or its refusal on the page. ``plan(session)`` makes the Confirmation."""
    if request.method == "GET":
        session, form = await session_of(request), {}
        if session is None:
            return to_sign_in()
    else:
        session, form, ended = await posted(request)
        if ended:
            return ended
    try:
        confirmation = await plan(session)
    except DomainError as exc:
        return await not_found(request, exc)
    status_code = 200
    if request.method == "POST":
        if errors := lacks(session, confirmation.need, confirmation.doing):
            confirmation.errors, status_code = errors, 403
        elif form.get("confirm") == "yes":
            try:
                return await delete(session)
            except NotFound as exc:
                return await not_found(request, exc)
            except DomainError as exc:
                confirmation.errors, status_code = in_words(exc), 409
    return await page(request, "confirm.html", {
        "title": confirmation.title, "session": session, "sentences": confirmation.sentences,
        "refused": confirmation.refused, "button": confirmation.button, "cancel": confirmation.cancel,
        "doing": confirmation.doing, "need": confirmation.need, "action": request.url.path,
        "errors": confirmation.errors}, status_code=status_code)


@router.api_route("/types/{name}/delete", methods=["GET", "POST"])
async def delete_type(request: Request, name: str):
    async def plan(session):
        types, counts = await request.app.state.schema.types_with_counts(session.caller.workspace)
        found = next((t for t in types if t.name.lower() == name.lower()), None)
        if found is None:
            raise NotFound(f"no object type named {name!r}")
        held = counts.get(found.name, 0)
        labels = {t.name: t.label for t in types}
        inverses = [f"{labels.get(a.target, a.target)}'s {a.inverse_name}" for a in found.attributes.values()
                    if a.is_reference and a.inverse_name and a.target != found.name]
        sentences = [f"Its {counted(len(found.attributes), 'attribute')} go with it"
                     + (f", and so do {', '.join(inverses)} (their other ends)." if inverses else ".")]
        users = [f"{t.label}'s {a.label}" for t in types if t.name != found.name for a in t.attributes.values()
                 if a.is_reference and a.target == found.name and a.inverse_name is None]
        refused = (f"{found.label} is built in." if found.builtin else
                   f"it still has {counted(held, found.label)}; delete them first." if held else
                   f"{', '.join(users)} refer{'s' if len(users) == 1 else ''} to it; delete "
                   f"{'that attribute' if len(users) == 1 else 'those attributes'} first." if users else None)
        return Confirmation(f"Delete the object type {found.label}?", sentences, f"Delete {found.label}",
                            f"/console/types/{found.name}", "Deleting object types", refused=refused)

    async def delete(session):
        await request.app.state.schema.delete_type(session.caller.workspace, name)
        return redirect_saying(request, "/console/types", f"Object type {name!r} deleted.")

    return await _confirm_or_delete(request, plan, delete)


@router.api_route("/types/{name}/attributes/{attribute}/delete", methods=["GET", "POST"])
async def delete_attribute(request: Request, name: str, attribute: str):
    async def plan(session):
        workspace = session.caller.workspace
        owner, found, held = await request.app.state.delete_plans.of_attribute(workspace, name, attribute)
        target = await _label(request, workspace, found.target) if found.is_reference else ""
        if found.is_reference and found.direction == "in":  # read from this end only: the associations stay
            sentences = [f"Its {counted(held, 'association')} {'stays' if held == 1 else 'stay'}: {target}'s "
                         f"{found.inverse_name} keeps {'it' if held == 1 else 'them'}; "
                         f"{plural(owner.label)} stop reading them from this end."]
        elif found.is_reference:
            sentences = [f"It deletes {counted(held, 'association')} between {plural(owner.label)} and "
                         f"{plural(target)}."]
            if found.inverse_name:
                sentences.append(f"Its other end, {target}'s {found.inverse_name}, goes with it.")
        else:
            sentences = [f"{counted(held, owner.label)} hold{'s' if held == 1 else ''} a value for it; "
                         "those values are deleted."]
        return Confirmation(f"Delete {found.label} from {owner.label}?", sentences, f"Delete {found.label}",
                            f"/console/types/{owner.name}/attributes/{found.name}", "Deleting attributes",
                            refused=f"{found.label} is built in." if found.builtin else None)

    async def delete(session):
        await AttributeEditor(request.app.state.schema).delete(session.caller.workspace, name, attribute)
        return redirect_saying(request, f"/console/types/{name}", f"Attribute {attribute!r} deleted.")

    return await _confirm_or_delete(request, plan, delete)


async def _label(request: Request, workspace: str, type_name: str) -> str:
    return (await labels_of(request, workspace)).get(type_name, type_name)


@router.api_route("/types/{name}/objects/{object_id}/delete", methods=["GET", "POST"])
async def delete_object(request: Request, name: str, object_id: str):
    async def plan(session):
        found = await request.app.state.delete_plans.of_object(session.caller.workspace, name, object_id)
        type_def, shown = found.type_def, found.external_id or object_id
        held = {a: n for a, n in found.associations.items() if n}
        total = sum(held.values())
        sentences = [f"Its {number(total)} association{' goes' if total == 1 else 's go'} with it "
                     f"({', '.join(f'{type_def.attributes[a].label}: {n}' for a, n in held.items())})."
                     if held else "It holds no associations."]
        if found.others:
            sentences.append(f"{counted(found.others, 'association')} other objects hold to it "
                             f"{'goes' if found.others == 1 else 'go'} too.")
        sentences += [f"{counted(n, await _label(request, session.caller.workspace, label))} "
                      f"{'is' if n == 1 else 'are'} deleted with it: {'its' if n == 1 else 'their'} reference to it "
                      "says so (on delete: cascade)." for label, n in found.also_deleted.items()]
        return Confirmation(f"Delete {type_def.label} {shown}?", sentences, f"Delete {type_def.label} {shown}",
                            f"/console/types/{type_def.name}/objects/{quote(object_id, safe='')}",
                            "Deleting objects", need="write", refused=found.refused)

    async def delete(session):
        await request.app.state.objects.delete(session.caller.workspace, name, object_id)
        return redirect_saying(request, f"/console/types/{name}/objects", "Object deleted.")

    return await _confirm_or_delete(request, plan, delete)


async def _delete_saved(request: Request, store, saved_id: str, what: str, after: str, where: str):
    """A data connector or a selector step (``store`` keeps it, ``where`` lists them)."""
    async def plan(session):
        found = await store.get(session.caller.workspace, saved_id)
        return Confirmation(f"Delete the {what} {found.spec['name']}?", [after], f"Delete this {what}",
                            f"{where}/{quote(saved_id, safe='')}", f"Deleting {what}s")

    async def delete(session):
        await store.delete(session.caller.workspace, saved_id)
        return redirect_saying(request, where, f"{what[:1].upper()}{what[1:]} deleted.")

    return await _confirm_or_delete(request, plan, delete)


@router.api_route("/connectors/{connector_id}/delete", methods=["GET", "POST"])
async def delete_connector(request: Request, connector_id: str):
    return await _delete_saved(request, request.app.state.connectors, connector_id, "data connector",
                               "Its runs' records go with it; the objects it wrote stay.", "/console/connectors")


@router.api_route("/selectors/{step_id}/delete", methods=["GET", "POST"])
async def delete_step(request: Request, step_id: str):
    return await _delete_saved(request, request.app.state.selectors, step_id, "selector step",
                               "Its buttons stop being offered; the selections customers made stay on their "
                               "conversations.", "/console/selectors")
