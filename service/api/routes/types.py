"""Schema routes: /v1/types and /v1/types/{type}/attributes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field

from service.api.deps import Workspace
from service.api.errors import responses
from service.api.pagination import Cursor, Limit, Page, page_by_name
from service.api.schemas import AttributePublic, LeavesOutNone, TypePublic
from service.domain.schema import (
    AttributeCreate,
    AttributeUpdate,
    TypeCreate,
    TypeUpdate,
)
from service.errors import NotFound
from service.store.attribute_changes import AttributeEditor
from service.store.attribute_values import LimitsReport, OptionsReport
from service.store.schema import SchemaStore

router = APIRouter(prefix="/types", tags=["schema"])


def store(request: Request) -> SchemaStore:
    return request.app.state.schema


@router.get("", response_model=Page[TypePublic])
async def list_types(request: Request, workspace: Workspace, limit: Limit = 100,
                     cursor: Cursor = None):
    types = sorted(await store(request).list_types(workspace), key=lambda t: t.name.lower())
    return page_by_name(types, limit, cursor, TypePublic.of)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TypePublic,
             responses=responses(409))
async def create_type(request: Request, workspace: Workspace, body: TypeCreate):
    return TypePublic.of(await store(request).create_type(workspace, body))


@router.get("/{type}", response_model=TypePublic, responses=responses(404))
async def get_type(request: Request, workspace: Workspace, type: str):
    return TypePublic.of(await store(request).get_type(workspace, type))


@router.patch("/{type}", response_model=TypePublic, responses=responses(404))
async def update_type(request: Request, workspace: Workspace, type: str, body: TypeUpdate):
    return TypePublic.of(
        await store(request).update_type(workspace, type, body.model_dump(exclude_unset=True)))


@router.delete("/{type}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404, 409))
async def delete_type(request: Request, workspace: Workspace, type: str):
    await store(request).delete_type(workspace, type)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{type}/attributes", status_code=status.HTTP_201_CREATED,
             response_model=AttributePublic, responses=responses(404, 409))
async def add_attribute(request: Request, workspace: Workspace, type: str, body: AttributeCreate):
    return AttributePublic.of(await store(request).add_attribute(workspace, type, body))


@router.get("/{type}/attributes/{attribute}", response_model=AttributePublic,
            responses=responses(404))
async def get_attribute(request: Request, workspace: Workspace, type: str, attribute: str):
    owner = await store(request).get_type(workspace, type)
    found = owner.find_case_insensitive(attribute)
    if found is None:
        raise NotFound(f"{owner.name} has no attribute named {attribute!r}",
                       code="unknown_attribute", details={"type": owner.name, "attribute": attribute})
    return AttributePublic.of(found)


class AssociationEnd(BaseModel):
    id: str
    type: str
    external_id: str | None


class Association(LeavesOutNone):
    source: AssociationEnd
    target: AssociationEnd
    properties: dict[str, Any] | None = Field(None, description="The association's properties, if the reference "
                                                                "declares any (left out otherwise)")
    left_out = ("properties",)


class CardinalityReportPublic(BaseModel):
    would_delete: int
    associations: list[Association]
    used_by: dict[str, list[Any]]
    plan: str | None = Field(None, description="Give it as confirm= to apply exactly this change")


class OptionHolder(BaseModel):
    id: str
    external_id: str | None
    value: str | list[str]
    becomes: str | list[str] | None = Field(..., description="null: the value is cleared")


class OptionsReportPublic(BaseModel):
    would_change: int = Field(..., description="Objects that hold a removed option")
    objects: list[OptionHolder] = Field(..., description="The first 100 of them")
    plan: str | None = Field(None, description="Give it as confirm= to apply exactly this change")


class LimitsReportPublic(BaseModel):
    would_change: int = Field(..., description="Associations over a tightened limit (beyond each end's most recent)")
    associations: list[dict[str, Any]] = Field(..., description="The first 100: source, target and the property "
                                                                "whose value would be cleared")
    plan: str | None = Field(None, description="Give it as confirm= to apply exactly this change")


class AppliedChangePublic(BaseModel):
    attribute: AttributePublic
    deleted: int
    associations: list[Association]
    prune_id: str = Field(..., description="GET /v1/prunes/{id}; POST /v1/prunes/{id}/restore")


@router.patch(
    "/{type}/attributes/{attribute}",
    response_model=AttributePublic | CardinalityReportPublic | OptionsReportPublic | LimitsReportPublic
    | AppliedChangePublic,
    responses={**responses(404, 409),
               200: {"description": "The attribute as stored; with dry_run=true, the report "
                                    "of what a cardinality change would delete (or an options "
                                    "change would map or clear) and its plan; a "
                                    "confirmed change that deletes associations answers what it "
                                    "deleted and the prune that keeps them"}},
)
async def update_attribute(
    request: Request, workspace: Workspace, type: str, attribute: str, body: AttributeUpdate,
    dry_run: bool = Query(False, description="Report what a cardinality change would delete; change nothing"),
    confirm: str | None = Query(None, max_length=100,
                                description="The plan of the dry run: apply exactly that change"),
):
    editor = AttributeEditor(store(request))
    updated, report, prune_id = await editor.update(workspace, type, attribute, body, dry_run=dry_run,
                                                    confirm=confirm)
    if dry_run:
        if isinstance(report, OptionsReport):
            return OptionsReportPublic(**report.as_dict())
        if isinstance(report, LimitsReport):
            return LimitsReportPublic(**report.as_dict())
        return CardinalityReportPublic(**report.as_dict())
    if prune_id is not None:
        return AppliedChangePublic(attribute=AttributePublic.of(updated), deleted=report.would_delete,
                                   associations=report.associations, prune_id=prune_id)
    return AttributePublic.of(updated)


@router.delete("/{type}/attributes/{attribute}", status_code=status.HTTP_204_NO_CONTENT,
               responses=responses(404, 409))
async def delete_attribute(request: Request, workspace: Workspace, type: str, attribute: str):
    await AttributeEditor(store(request)).delete(workspace, type, attribute)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
