"""Data connectors as a support admin defines them, checked against the schema when
saved. Pure: no I/O. What a run does with one (templates, the request, the mapping of a
response onto records) is in ``domain/connector_calls.py``.

A connector is a named HTTP call whose response holds records of one object type,
merged by ``external_id``; optionally it fills a ``many`` reference attribute of Person
or Conversation with exactly the records fetched for that person or conversation.
"""

from __future__ import annotations

import re
from typing import Any, Literal

import httpx
import jmespath
from jmespath.exceptions import JMESPathError
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from service.domain.schema import TypeDef
from service.domain.schema_rules import require_type
from service.errors import InvalidInput, NotFound

TEMPLATE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")
ORIGIN = re.compile(r"^[^:/?#]*://[^/?#]*")  # scheme://user@host:port, before the path
MAX_TIMEOUT_S = 60.0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Auth(_Strict):
    """Credentials from a write-only secret (``PUT /v1/secrets/{name}``)."""
    type: Literal["bearer", "basic", "header"]
    secret: str = Field(..., min_length=1, max_length=100, description="the secret's name")
    username: str | None = Field(None, max_length=200, description="basic: the user name")
    header: str | None = Field(None, max_length=100, description="header: the header's name")


class RequestSpec(_Strict):
    method: Literal["GET", "POST", "PUT", "PATCH"] = "GET"
    url: str = Field(..., min_length=1, max_length=2000)
    query: dict[str, str] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None
    auth: Auth | None = None
    timeout_s: float = Field(10.0, gt=0, le=MAX_TIMEOUT_S)


class ReferenceMapping(_Strict):
    external_id: str = Field(..., min_length=1, max_length=500, description="JMESPath over one record")
    properties: dict[str, str] = Field(default_factory=dict, max_length=20,
                                       description="the reference's property -> JMESPath over one record")


class Pagination(_Strict):
    """Either the URL of the next page, or a cursor sent back as a query parameter."""
    next_url: str | None = Field(None, description="JMESPath over the body: the next page's URL")
    cursor: str | None = Field(None, description="JMESPath over the body: the next cursor")
    cursor_param: str = "cursor"
    max_pages: int = Field(10, ge=1, le=100)


class ResponseMapping(_Strict):
    records: str = Field(..., min_length=1, max_length=500, description="JMESPath over the body: the records")
    external_id: str = Field(..., min_length=1, max_length=500, description="JMESPath over one record")
    attributes: dict[str, str] = Field(default_factory=dict, description="attribute -> JMESPath over one record")
    references: dict[str, ReferenceMapping] = Field(default_factory=dict)
    pagination: Pagination | None = None
    match_on: str | None = Field(None, max_length=64, description=(
        "A unique attribute (mapped under attributes) that finds each record's object instead of external_id, "
        "which the run then sets"))


class UpdateReference(_Strict):
    on: Literal["Person", "Conversation"]
    attribute: str


class InputSpec(_Strict):
    name: str = Field(..., pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
    description: str = ""
    required: bool = False
    default: str | None = None


class ConnectorSpec(_Strict):
    name: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=2000, description="when a teammate should use it")
    object_type: str
    request: RequestSpec
    response: ResponseMapping
    inputs: list[InputSpec] = Field(default_factory=list, max_length=20)
    update_reference: UpdateReference | None = None


class ConnectorPatch(_Strict):
    """The fields given replace the connector's; a field a connector must have cannot be
    null (left out, it keeps its value); ``update_reference: null`` removes that. Those
    fields are typed without None, so the OpenAPI document does not offer null; None is
    only the default, which pydantic does not validate."""
    name: str = Field(None, min_length=1, max_length=200)
    description: str = Field(None, max_length=2000)
    object_type: str = None
    request: RequestSpec = None
    response: ResponseMapping = None
    inputs: list[InputSpec] = Field(None, max_length=20)
    update_reference: UpdateReference | None = None

    @field_validator("name", "description", "object_type", "request", "response", "inputs", mode="before")
    @classmethod
    def _kept_unless_given(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            raise PydanticCustomError("not_null", "cannot be null: leave it out to keep the connector's {field}",
                                      {"field": info.field_name})
        return value


# ---- checks at save time ------------------------------------------------------------

def check_connector(types: dict[str, TypeDef], spec: ConnectorSpec) -> list[str]:
    """Everything wrong with ``spec`` against the workspace's types, in words an admin
    understands; empty: it can be saved. Also returns nothing it cannot check (a
    template's value exists only when the connector runs)."""
    problems: list[str] = []
    try:
        object_type = require_type(types, spec.object_type)
    except NotFound:
        return [f"object_type: there is no object type named {spec.object_type!r}"]
    problems += _check_url(spec.request.url)
    for where, expression in _expressions(spec):
        try:
            jmespath.compile(expression)
        except JMESPathError as exc:
            problems.append(f"{where}: {expression!r} is not a JMESPath expression ({exc})")
    for name in spec.response.attributes:
        attribute = object_type.attribute(name)
        if attribute is None:
            problems.append(f"response.attributes: {object_type.name} has no attribute {name!r}")
        elif attribute.is_reference:
            problems.append(f"response.attributes: {name} is a reference: map it under response.references")
    for name, reference in spec.response.references.items():
        attribute = object_type.attribute(name)
        if attribute is None or not attribute.is_reference:
            problems.append(f"response.references: {object_type.name} has no reference attribute {name!r}")
            continue
        problems += [f"response.references.{name}.properties: {name} has no property {p!r}"
                     for p in reference.properties if attribute.property(p) is None]
    match_on = spec.response.match_on
    if match_on is not None and (object_type.attribute(match_on) is None or not object_type.attribute(match_on).unique
                                 or match_on not in spec.response.attributes):
        problems.append(f"response.match_on: {match_on!r} must be a unique attribute of {object_type.name} "
                        "mapped under response.attributes")
    required = [a.name for a in object_type.attributes.values()
                if a.required and not a.is_reference and a.name not in spec.response.attributes]
    if required:
        problems.append(f"response.attributes: {object_type.name} requires {', '.join(required)}; map them")
    if spec.update_reference is not None:
        problems += _check_update_reference(types, object_type, spec.update_reference)
    declared = {i.name for i in spec.inputs}
    for text in _templates(spec):
        for name in TEMPLATE.findall(text):
            root, _, rest = name.partition(".")
            if root == "inputs":
                if rest not in declared:
                    problems.append(f"template {{{{{name}}}}}: no input named {rest!r} is declared")
            elif root not in ("person", "conversation"):
                problems.append(f"template {{{{{name}}}}}: templates read person.*, conversation.* or inputs.*")
            elif spec.update_reference is not None and root != spec.update_reference.on.lower():
                problems.append(f"template {{{{{name}}}}}: this connector runs for a "
                                f"{spec.update_reference.on}, not a {root}")
    if spec.request.auth is not None:
        auth = spec.request.auth
        if auth.type == "basic" and not auth.username:
            problems.append("request.auth: basic auth needs a username")
        if auth.type == "header" and not auth.header:
            problems.append("request.auth: header auth needs the header's name")
    return problems


def origin_templates(url: str) -> list[str]:
    """A template in the URL's scheme, user, host or port, as a problem: templates go in
    the path and the query only, so the origin a run calls (and sends credentials to) is
    always the one saved. A URL without ``scheme://`` counts up to its first ``/?#``."""
    found = ORIGIN.match(url)
    head = found.group(0) if found else re.split(r"[/?#]", url, maxsplit=1)[0]
    names = TEMPLATE.findall(head)
    if not names:
        return []
    return [f"request.url: {{{{{names[0]}}}}} is in the URL's scheme, host or port; write them out in full "
            "(templates go in the URL's path and query only, so credentials go only to the origin saved)"]


def require_fixed_origin(url: str) -> None:
    """``template_error`` (422) for a URL whose scheme, host or port holds a template."""
    problems = origin_templates(url)
    if problems:
        raise InvalidInput(problems[0], code="template_error", details={"field": "request.url",
                                                                         "problems": problems})


def url_origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) as written; ValueError for a URL that is not one."""
    try:
        parsed = httpx.URL(url)
        return parsed.scheme, parsed.host.lower().rstrip("."), parsed.port
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError(str(exc)) from None


def _check_url(template: str) -> list[str]:
    if templated := origin_templates(template):
        return templated
    try:
        url = httpx.URL(TEMPLATE.sub("x", template))  # a template stands for one value
        scheme, host = url.scheme, url.host
    except (httpx.InvalidURL, ValueError):
        return ["request.url: not a valid URL"]
    if scheme not in ("http", "https"):
        return [f"request.url: only http and https URLs are allowed, not {scheme or 'no scheme'!r}"]
    return [] if host else ["request.url: the URL has no host"]


def _check_update_reference(types: dict[str, TypeDef], object_type: TypeDef,
                            update: UpdateReference) -> list[str]:
    holder = require_type(types, update.on)
    attribute = holder.attribute(update.attribute)
    where = f"update_reference: {update.on}.{update.attribute}"
    if attribute is None:
        return [f"{where} does not exist"]
    if not attribute.is_reference or attribute.target != object_type.name:
        return [f"{where} must be a reference to {object_type.name}"]
    if attribute.cardinality != "many":
        return [f"{where} is a reference to one {object_type.name}; a connector fills a "
                f"reference to many (the records it fetched)"]
    return []


def _expressions(spec: ConnectorSpec) -> list[tuple[str, str]]:
    r = spec.response
    out = [("response.records", r.records), ("response.external_id", r.external_id)]
    out += [(f"response.attributes.{k}", v) for k, v in r.attributes.items()]
    out += [(f"response.references.{k}", v.external_id) for k, v in r.references.items()]
    if r.pagination is not None:
        out += [(f"response.pagination.{k}", v) for k, v in
                (("next_url", r.pagination.next_url), ("cursor", r.pagination.cursor)) if v]
    return out


def _templates(spec: ConnectorSpec) -> list[str]:
    texts = [spec.request.url, *spec.request.query.values(), *spec.request.headers.values()]
    return texts + _strings(spec.request.body)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def uses(spec: ConnectorSpec) -> list[str]:
    """The attributes this connector relies on, as ``Type.attribute``: what a schema
    change must not break."""
    out = [f"{spec.object_type}.{a}" for a in [*spec.response.attributes, *spec.response.references]]
    if spec.update_reference is not None:
        out.append(f"{spec.update_reference.on}.{spec.update_reference.attribute}")
    return out
