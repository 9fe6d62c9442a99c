"""Instance routes: /v1/objects/{type}... and their references."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from service.api import json_body
from service.api.admission import admitted, batch_counts_as, charged
from service.api.client_gone import until_disconnected
from service.api.deps import Workspace
from service.api.errors import responses
from service.api.pagination import (
    MAX_LIMIT,
    Cursor,
    Limit,
    Page,
    decode_cursor,
    decode_offset,
    encode_cursor,
    page_response,
)
from service.api.query_params import open_query
from service.api.schemas import LeavesOutNone
from service.domain.records import BatchWrite, ObjectPatch, ObjectWrite, TargetRef
from service.domain.search import MAX_CONDITIONS, MAX_CURSOR, condition
from service.domain.traversal import MAX_FILTERS, MAX_HOPS
from service.errors import InvalidInput, NotFound
from service.store.object_references import ObjectReferences
from service.store.objects import ObjectStore

UUID_SHAPE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
router = APIRouter(prefix="/objects", tags=["objects"])


class ObjectRef(LeavesOutNone):
    id: str
    type: str
    external_id: str | None
    properties: dict[str, Any] | None = Field(None, description="The association's properties, for a reference "
                                                                "that declares them (left out otherwise)")
    left_out = ("properties",)


class ObjectPublic(BaseModel):
    id: str
    type: str
    external_id: str | None
    external_created_at: str | None
    external_updated_at: str | None
    created_at: str
    updated_at: str
    attributes: dict[str, Any]
    references: dict[str, ObjectRef | list[ObjectRef] | None]


class ManyReference(BaseModel):
    count: int = Field(description="how many objects the reference holds")
    url: str = Field(description="the reference's page: GET it for its targets, most recent first")


class ObjectRead(ObjectPublic):
    many_references: dict[str, ManyReference] = Field(
        description="each `many` reference attribute's count and page (its targets are inline with expand=)")


class BatchResult(BaseModel):
    created: int = Field(description="records that created an object")
    updated: int = Field(description="records that changed an existing object")
    unchanged: int = Field(description="records whose object already held every value given "
                           "(nothing written; its updated_at stays), and every record but the last of "
                           "an object the batch names more than once (its records are merged, later values "
                           "winning, and the object counted on its last)")
    ids: list[str] = Field(description="the objects' ids, in the records' order")


class Deleted(BaseModel):
    id: str
    type: str
    deleted: bool = True


class TargetsWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    targets: list[TargetRef] = Field(max_length=10_000)
    on_conflict: Literal["error", "reassign"] = "error"


MatchOn = Annotated[str | None, Query(max_length=64, description=(
    "Find each record's object by the value of this unique attribute instead of external_id "
    "(the record must give it)"))]


def objects(request: Request) -> ObjectStore:
    return request.app.state.objects


def references(request: Request) -> ObjectReferences:
    return request.app.state.references


def _expand(expand: str | None) -> set[str]:
    return {name.strip() for name in (expand or "").split(",") if name.strip()}


@router.post("/{type}", response_model=ObjectPublic, status_code=status.HTTP_201_CREATED,
             responses={200: {"model": ObjectPublic, "description": "Updated (external_id existed)"},
                        **responses(404, 409)})
async def upsert_object(request: Request, response: Response, workspace: Workspace, type: str,
                        body: ObjectWrite, match_on: MatchOn = None):
    store = objects(request)
    type_def, result = await store.write(workspace, type, [body], match_on=match_on)
    if not result.created[0]:
        response.status_code = status.HTTP_200_OK
    _, found = await store.get(workspace, type_def.name, result.ids)
    return found[0]


PARSE_BATCH = json_body.parsed(BatchWrite, "records")


@router.post("/{type}/batch", response_model=BatchResult, responses=responses(404, 409),
             openapi_extra=json_body.documented(BatchWrite))
async def batch_upsert(request: Request, workspace: Workspace, type: str, match_on: MatchOn = None):
    caller = request.state.caller
    await request.app.state.admission.before_body("batch", caller.token_id, caller.workspace)
    await request.body()  # read first: a slow upload holds no slot; parsing and writing do
    async with admitted(request, "batch", charge=False):
        body = await PARSE_BATCH(request)
        await charged(request.app.state, "batch", caller.token_id, batch_counts_as(len(body.records)))
        _, result = await objects(request).write(workspace, type, body.records, match_on=match_on)
    created, changed = sum(result.created), sum(result.changed)
    return BatchResult(created=created, updated=changed - created, unchanged=len(result.ids) - changed,
                       ids=result.ids)


class SearchPage(Page[ObjectPublic], LeavesOutNone):
    total: int | None = Field(None, description="With count=true: how many objects match (left out otherwise)")
    left_out = ("total",)


class SearchBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    where: dict[str, Any] | None = Field(None, description=(
        "A filter tree: {\"and\": [...]}, {\"or\": [...]}, {\"not\": {...}} or "
        "{\"attribute\": \"total\", \"op\": \">=\", \"value\": 100}; an attribute one hop away is "
        "<reference>.<attribute>"))
    sort: str | None = Field(None, max_length=300, description="e.g. -placed_on,total (id always ends it)")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=MAX_CURSOR)
    count: bool = False


@router.get("/{type}", response_model=SearchPage, responses=responses(404, 422))
@open_query("references.")
async def list_objects(request: Request, workspace: Workspace, type: str, limit: Limit = 50,
                       cursor: Cursor = None, external_id: str | None = None,
                       where: list[str] = Query([], max_length=MAX_CONDITIONS, description=(
                           "Filters, all must hold: <attribute><op><value> with op one of = != < <= > >=, "
                           "or '<attribute> <op> <value>' with op one of in (values separated by |), contains, "
                           "starts_with, is_null; e.g. status=shipped, total>=100, status in shipped|lost")),
                       sort: str | None = Query(None, max_length=300, description=(
                           "Attributes to sort by, - for descending, e.g. -placed_on,total; id always ends it")),
                       count: bool = Query(False, description="Add total: how many objects match")):
    referencing = _referencing(request)
    if not (where or sort or count):  # the plain list: id order, its own cursor
        found, more = await objects(request).list(workspace, type, limit=limit,
                                                  after=decode_cursor(cursor), external_id=external_id,
                                                  referencing=referencing)
        return SearchPage(data=found, next_cursor=encode_cursor(found[-1]["id"]) if more else None)
    extra = []
    if external_id is not None:
        extra.append(lambda types, t: condition(types, t, "external_id", "=", external_id, text=True))
    if referencing is not None:
        extra.append(lambda types, t: condition(types, t, f"{referencing[0]}.id", "=", referencing[1], text=True))
    async with admitted(request, "search"):
        found = await until_disconnected(request, request.app.state.search.search(
            workspace, type, where=where, extra=extra, sort=sort, limit=limit, cursor=cursor, count=count))
    return page_response(found.objects, None, cursor=found.next_cursor, total=found.total)


@router.post("/{type}/search", response_model=SearchPage, responses=responses(404, 422))
async def search_objects(request: Request, workspace: Workspace, type: str, body: SearchBody):
    async with admitted(request, "search"):
        found = await until_disconnected(request, request.app.state.search.search(
            workspace, type, tree=body.where, sort=body.sort, limit=body.limit, cursor=body.cursor,
            count=body.count))
    return page_response(found.objects, None, cursor=found.next_cursor, total=found.total)


def _referencing(request: Request) -> tuple[str, str] | None:
    given = [(key.removeprefix("references."), value) for key, value in request.query_params.multi_items()
             if key.startswith("references.")]
    if len(given) > 1:
        raise InvalidInput("give at most one references.<attribute>= filter",
                           code="invalid_filter", details={"filters": [k for k, _ in given]})
    return given[0] if given else None


class TraversedObject(ObjectPublic):
    paths: list[list[ObjectRef]] | None = Field(
        None, description="with include=paths: up to 10 paths that reach this object, start "
                    "first; null otherwise")


MAX_PATH = 1000  # characters of a traversal's path


@router.get("/{type}/{id}/traverse", response_model=Page[TraversedObject],
            responses=responses(404, 422))
async def traverse(request: Request, workspace: Workspace, type: str, id: str,
                   path: str = Query(..., max_length=MAX_PATH, description=(
                       "reference attribute names (inverse names too) separated by dots, "
                       f"at most {MAX_HOPS}, e.g. orders.items")),
                   where: list[str] = Query([], max_length=MAX_FILTERS, description=(
                       "filters on the end type's objects, all must hold, as a list's where=: "
                       "total>=100, 'status in shipped|lost', 'email is_null'")),
                   include: Literal["paths"] | None = Query(None, description="`paths`: each object with up to 10 paths that reach it"),
                   limit: Limit = 50, cursor: Cursor = None):
    return await traverse_page(request, workspace, type, id, path=path, where=where, include=include,
                               limit=limit, cursor=cursor)


async def traverse_page(request: Request, workspace: str, type: str, id: str, *, path: str, where: list[str],
                        include: str | None, limit: int, cursor: str | None) -> Response:
    """The traversal's page (this route's, and ``service.api.lean_reads``' for the
    requests whose parameters are plainly valid)."""
    async with admitted(request, "traversal"):
        found, more = await until_disconnected(request, request.app.state.traversal.traverse(
            workspace, type, id, path, where=where, limit=limit, after=decode_cursor(cursor),
            with_paths=include == "paths"))
    return page_response(found, found[-1]["id"] if more else None)


@router.get("/{type}/{id}", response_model=ObjectRead, responses=responses(404))
async def get_object(request: Request, workspace: Workspace, type: str, id: str,
                     expand: str | None = Query(None, description="many references to inline, comma separated")):
    type_def, found = await objects(request).get(workspace, type, [id], _expand(expand), with_counts=True)
    if not found:
        hint = "" if UUID_SHAPE.match(id) else (
            f"; ids are refgraph's own (uuids): to find it by external id, "
            f"GET /v1/objects/{type_def.name}?external_id={quote(id)}")
        raise NotFound(f"no {type_def.name} with id {id!r}{hint}", code="unknown_object")
    found, base = found[0], f"/v1/objects/{type_def.name}/{quote(id, safe='')}/references"
    found["many_references"] = {name: {"count": count, "url": f"{base}/{name}"}
                                for name, count in found.pop("many_counts").items()}
    return found


@router.patch("/{type}/{id}", response_model=ObjectPublic, responses=responses(404, 409))
async def patch_object(request: Request, workspace: Workspace, type: str, id: str,
                       body: ObjectPatch):
    store = objects(request)
    type_def = await store.patch(workspace, type, id, body)
    return (await store.get(workspace, type_def.name, [id]))[1][0]


@router.delete("/{type}/{id}", response_model=Deleted, responses=responses(404, 409))
async def delete_object(request: Request, workspace: Workspace, type: str, id: str):
    await objects(request).delete(workspace, type, id)
    return Deleted(id=id, type=type)


@router.get("/{type}/{id}/references/{attribute}", response_model=Page[ObjectRef],
            responses=responses(404))
async def read_references(request: Request, workspace: Workspace, type: str, id: str,
                          attribute: str, limit: Limit = 100, cursor: Cursor = None):
    start = decode_offset(cursor)
    definition, targets = await references(request).read(workspace, type, id, attribute, skip=start,
                                                          limit=limit + 1)
    return Page(
        data=[ObjectRef(type=definition.target, **t) for t in targets[:limit]],
        next_cursor=encode_cursor(str(start + limit)) if len(targets) > limit else None,
    )


async def _write_and_read(request, workspace, type, id, attribute, body, mode):
    store = references(request)
    await store.write(workspace, type, id, attribute, body.targets, mode=mode,
                      reassign=body.on_conflict == "reassign")
    return await read_references(request, workspace, type, id, attribute, limit=1000)


@router.put("/{type}/{id}/references/{attribute}", response_model=Page[ObjectRef],
            responses=responses(404, 409))
async def replace_references(request: Request, workspace: Workspace, type: str, id: str,
                             attribute: str, body: TargetsWrite):
    return await _write_and_read(request, workspace, type, id, attribute, body, "replace")


@router.post("/{type}/{id}/references/{attribute}", response_model=Page[ObjectRef],
             responses=responses(404, 409))
async def add_references(request: Request, workspace: Workspace, type: str, id: str,
                         attribute: str, body: TargetsWrite):
    return await _write_and_read(request, workspace, type, id, attribute, body, "add")


@router.delete("/{type}/{id}/references/{attribute}/{target_id}",
               status_code=status.HTTP_204_NO_CONTENT, responses=responses(404))
async def remove_reference(request: Request, workspace: Workspace, type: str, id: str,
                           attribute: str, target_id: str):
    await references(request).remove(workspace, type, id, attribute, target_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
