"""The console's object pages: a type's objects (paged, found by external id), one
object with its attributes and references (both directions, linked), and creating one
from a form, through the same store the API writes with."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import partial
from urllib.parse import urlencode

from fastapi import APIRouter, Request

from service.console.kit import (
    labels_of,
    DATA_TYPE_WORDS,
    admitted_page,
    conflict_words,
    in_words,
    lacks,
    not_found,
    posted,
    redirect_saying,
    session_of,
    page,
    to_sign_in,
)
from service.console.neighbourhood import layout
from service.console.words import article, plural
from service.domain.data_types import ValueProblem, rules_for
from service.domain.records import ObjectPatch, ObjectWrite
from service.domain.search import SEARCH_OPERATORS, condition
from service.errors import DomainError, InvalidInput, NotFound
from service.store.objects import MAX_EXPANDED

router = APIRouter(prefix="/console", include_in_schema=False)
PAGE = 50


OPERATORS = [("=", "is"), ("!=", "is not"), ("<", "less than"), ("<=", "at most"), (">", "more than"),
             (">=", "at least"), ("contains", "contains"), ("starts_with", "starts with"), ("is_null", "is empty")]


EXAMPLES = {"integer": "a whole number, such as 12", "float": "a number, such as 4.50",
            "date": "a date, such as 2026-12-31", "datetime": "a date and time, such as 2026-12-31T09:00:00Z",
            "boolean": "true or false"}


def filter_words(type_def, listing: "Listing", exc: InvalidInput) -> str:
    """A refused filter in the admin's words: the operators the attribute takes, as the
    menu names them, or the kind of value it takes, with an example."""
    attribute = type_def.attribute(listing.attribute)
    if attribute is None:
        return exc.message
    if exc.code == "invalid_filter" and listing.op not in SEARCH_OPERATORS[attribute.data_type]:
        allowed = [words for op, words in OPERATORS if op in SEARCH_OPERATORS[attribute.data_type]]
        return (f"{attribute.label} holds {article(DATA_TYPE_WORDS[attribute.data_type.value].lower())}: choose "
                f"{', '.join(allowed[:-1])} or {allowed[-1]}.")
    if exc.code == "invalid_value":
        if attribute.options:
            takes = "one of " + ", ".join(label for _, label in attribute.options)
        else:
            takes = EXAMPLES.get(attribute.data_type.value, "a text")
        return f"{attribute.label} takes {takes}; {listing.value!r} is not one."
    return exc.message


@dataclass(frozen=True)
class Listing:
    """What the objects list shows: found by external id, one attribute filter, a sort."""
    external_id: str = ""
    attribute: str = ""
    op: str = "="
    value: str = ""
    sort: str = ""

    def where(self) -> list[str]:
        if not self.attribute:
            return []
        if self.op == "is_null":
            return [f"{self.attribute} is_null true"]
        return [f"{self.attribute} {self.op} {self.value}" if self.op.isalpha() or "_" in self.op
                else f"{self.attribute}{self.op}{self.value}"]

    def query(self, cursor: str) -> str:
        return urlencode({k: v for k, v in {**asdict(self), "cursor": cursor}.items() if v})


async def _found(request: Request, session, type_def, listing: Listing, cursor: str | None):
    """A page of objects and the next page's cursor: the plain list in creation order, or a
    search when the list is filtered or sorted."""
    workspace = session.caller.workspace
    if not (listing.attribute or listing.sort):
        found, more = await request.app.state.objects.list(workspace, type_def.name, limit=PAGE, after=cursor,
                                                           external_id=listing.external_id or None)
        return found, found[-1]["id"] if more else None
    extra = [lambda types, t: condition(types, t, "external_id", "=", listing.external_id, text=True)
             ] if listing.external_id else []
    async with admitted_page(request, session, "search"):
        found = await request.app.state.search.search(workspace, type_def.name, where=listing.where(), extra=extra,
                                                      sort=listing.sort or None, limit=PAGE, cursor=cursor,
                                                      count=False)
    return found.objects, found.next_cursor


async def _objects_page(request: Request, session, name: str, *, listing: Listing = Listing(),
                        cursor: str | None = None, form=None, errors=None, status_code: int = 200):
    workspace = session.caller.workspace
    type_def = await request.app.state.schema.get_type(workspace, name)
    errors = dict(errors or {})
    try:
        found, next_cursor = await _found(request, session, type_def, listing, cursor)
    except InvalidInput as exc:  # a filter the type cannot take, in words beside it
        found, next_cursor, errors["filter"] = [], None, filter_words(type_def, listing, exc)
    values = [a for a in type_def.attributes.values() if not a.is_reference]
    return await page(request, "objects.html", {
        "title": plural(type_def.label), "session": session, "type": type_def, "objects": found,
        "shown": values[:4], "attributes": values, "operators": OPERATORS, "listing": listing,
        "next_page": listing.query(next_cursor) if next_cursor else None,
        "form": form or {}, "errors": errors}, status_code=status_code)


@router.get("/types/{name}/objects")
async def objects_page(request: Request, name: str, external_id: str = "", attribute: str = "", op: str = "=",
                       value: str = "", sort: str = "", cursor: str | None = None):
    session = await session_of(request)
    if session is None:
        return to_sign_in()
    listing = Listing(external_id.strip(), attribute, op if op in dict(OPERATORS) else "=", value.strip(), sort)
    try:
        return await _objects_page(request, session, name, listing=listing, cursor=cursor)
    except DomainError as exc:
        return await not_found(request, exc)


def value_text(value) -> str:
    """A held value as the form shows it (lists separated by |)."""
    if isinstance(value, list):
        return "|".join(map(str, value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def targets_text(targets: list[dict]) -> str:
    return ", ".join(t.get("external_id") or f"id:{t['id']}" for t in targets)


def _targets(attribute, text: str):
    """Targets by external id (or ``id:<refgraph id>``), separated by commas. Several for
    a `one` reference: the write refuses them, in words."""
    targets = [{"id": e[3:]} if e.startswith("id:") else {"external_id": e}
               for e in (part.strip() for part in text.split(",")) if e]
    if attribute.cardinality == "many" or len(targets) > 1:
        return targets
    return targets[0] if targets else None


WAS = "was."  # a hidden field holding what the edit form showed for a field


def _changes(type_def, form: dict[str, str], now: dict[str, str] | None = None) -> tuple[dict, dict, dict[str, str]]:
    """The attributes and references the form sets, and the problems by field. Creating
    (``now`` None): every filled field. Editing: the fields whose text differs from what
    the page showed (``was.<name>``); an emptied one clears, a missing one is unchanged,
    and one that someone else changed since (``now``) is refused rather than overwritten."""
    attributes, references, errors = {}, {}, {}
    for attribute in type_def.attributes.values():
        text = form.get(attribute.name)
        shown = "" if now is None else form.get(WAS + attribute.name)
        text = text.strip() if now is None and text is not None else text
        if text is None or shown is None or text == shown:
            continue
        if now is not None and now.get(attribute.name, "") != shown:
            errors[attribute.name] = (f"{attribute.label} was changed since this page was opened (it is now "
                                      f"{now.get(attribute.name, '')[:200]!r}); nothing was saved: reload the page")
        elif attribute.is_reference:
            references[attribute.name] = _targets(attribute, text)
        else:
            try:
                attributes[attribute.name] = rules_for(attribute.data_type).from_text(text) if text.strip() else None
            except ValueProblem as exc:
                errors[attribute.name] = f"{attribute.label}: {exc}"
    return attributes, references, errors


def _record(type_def, form: dict[str, str]) -> tuple[ObjectWrite | None, dict[str, str]]:
    """The form as a new record (text read as each attribute's type), or the problems by field."""
    attributes, references, errors = _changes(type_def, form)
    external_id = (form.get("external_id") or "").strip() or None
    return ObjectWrite(external_id=external_id, attributes=attributes, references=references,
                       on_conflict=_on_conflict(form)), errors


def _on_conflict(form: dict[str, str]) -> str:
    return "reassign" if form.get("on_conflict") == "reassign" else "error"


@router.post("/types/{name}/objects")
async def create_object(request: Request, name: str):
    session, form, ended = await posted(request)
    if ended:
        return ended
    page = partial(_objects_page, request, session, name, form=form)
    workspace = session.caller.workspace
    try:
        if errors := lacks(session, "write", "Creating objects"):
            return await page(errors=errors, status_code=403)
        type_def = await request.app.state.schema.get_type(workspace, name)
        record, errors = _record(type_def, form)
        if errors:
            return await page(errors=errors, status_code=422)
        _, result = await request.app.state.objects.write(workspace, type_def.name, [record])
    except DomainError as exc:
        return await _refusal(request, session, page, exc)
    return redirect_saying(request, f"/console/types/{type_def.name}/objects/{result.ids[0]}",
                           f"{type_def.label} {record.external_id or result.ids[0]} created.")


async def _refusal(request: Request, session, page, exc: DomainError):
    """A write's refusal on its page: problems beside their fields (422), an unknown type
    or object (404), or a conflict in words, naming who holds what (409)."""
    if isinstance(exc, InvalidInput):
        return await page(errors=in_words(exc), status_code=422)
    if isinstance(exc, NotFound):
        return await not_found(request, exc)
    labels = await labels_of(request, session.caller.workspace)
    return await page(errors={"form": conflict_words(exc, labels)}, status_code=409)


async def _current(request: Request, workspace: str, name: str, object_id: str):
    """The type, the object and the targets of each of its references."""
    type_def = await request.app.state.schema.get_type(workspace, name)
    references = {a.name for a in type_def.attributes.values() if a.is_reference}
    _, found = await request.app.state.objects.get(workspace, type_def.name, [object_id], references)
    if not found:
        raise NotFound(f"no {type_def.name} with id {object_id!r}")
    held = {k: (v if isinstance(v, list) else [v] if v else []) for k, v in found[0]["references"].items()}
    return type_def, found[0], held


async def _object_page(request: Request, session, name: str, object_id: str, *, form=None, errors=None,
                       status_code: int = 200):
    type_def, found, held = await _current(request, session.caller.workspace, name, object_id)
    now = _as_text(type_def, found, held)
    return await page(request, "object.html", {
        "title": f"{type_def.label} {found['external_id'] or object_id}", "session": session, "type": type_def,
        "object": found, "references": held, "picture": layout(found, type_def.name, held),
        "form": form or now, "was": {k[len(WAS):]: v for k, v in form.items() if k.startswith(WAS)} if form else now,
        "too_many": {k for k, v in held.items() if len(v) >= MAX_EXPANDED}, "most": MAX_EXPANDED,
        "errors": errors or {}}, status_code=status_code)


def _as_text(type_def, found: dict, held: dict[str, list[dict]]) -> dict[str, str]:
    """The edit form as the object stands. A reference holding MAX_EXPANDED targets or
    more is not in it (the page shows only that many: it is edited through the API)."""
    return {a.name: targets_text(held.get(a.name, [])) if a.is_reference else value_text(found["attributes"].get(a.name))
            for a in type_def.attributes.values() if len(held.get(a.name, [])) < MAX_EXPANDED}


@router.get("/types/{name}/objects/{object_id}")
async def object_page(request: Request, name: str, object_id: str):
    session = await session_of(request)
    if session is None:
        return to_sign_in()
    try:
        return await _object_page(request, session, name, object_id)
    except DomainError as exc:
        return await not_found(request, exc)


@router.post("/types/{name}/objects/{object_id}")
async def edit_object(request: Request, name: str, object_id: str):
    """Saves what the form changed: values (an emptied field clears) and references
    (the whole list given replaces the held one)."""
    session, form, ended = await posted(request)
    if ended:
        return ended
    page = partial(_object_page, request, session, name, object_id, form=form)
    try:
        if errors := lacks(session, "write", "Editing objects"):
            return await page(errors=errors, status_code=403)
        type_def, found, held = await _current(request, session.caller.workspace, name, object_id)
        attributes, references, errors = _changes(type_def, form, _as_text(type_def, found, held))
        errors.update({k: "too many targets to edit here" for k in references if len(held.get(k, [])) >= MAX_EXPANDED})
        if errors:
            return await page(errors=errors, status_code=422)
        if attributes or references:
            await request.app.state.objects.patch(session.caller.workspace, type_def.name, object_id,
                                                  ObjectPatch(attributes=attributes, references=references,
                                                              on_conflict=_on_conflict(form)))
    except DomainError as exc:
        return await _refusal(request, session, page, exc)
    return redirect_saying(request, f"/console/types/{type_def.name}/objects/{object_id}",
                           "Changes saved." if attributes or references else "Nothing was changed.")
