"""What a connector run does with a connector, pure: no I/O. Templates filled from the
run's subject and inputs, the request to send (with its credentials), the mapping of a
response onto records, and the run's record.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

import jmespath

from service.domain.connectors import TEMPLATE, ConnectorSpec, ResponseMapping, origin_templates, url_origin
from service.domain.data_types import rules_of
from service.domain.schema import TypeDef
from service.errors import InvalidInput, RunFailed

# ---- templates --------------------------------------------------------------------

class TemplateError(ValueError):
    pass


def render(text: str, context: dict[str, Any], *, url: bool = False) -> str:
    """``{{a.b}}`` replaced by the value at that path of ``context``; in a URL, quoted,
    and a value in the URL's path may not change the path (``..``, ``/``)."""
    query_at = min([i for i in (text.find("?"), text.find("#")) if i >= 0] or [len(text)])

    def value(match: re.Match) -> str:
        current: Any = context
        for part in match.group(1).split("."):
            if not isinstance(current, dict) or current.get(part) is None:
                raise TemplateError(f"{{{{{match.group(1)}}}}} has no value for this run")
            current = current[part]
        text = current if isinstance(current, str) else str(current).lower() if isinstance(current, bool) else str(current)
        if url and match.start() < query_at:
            decoded = unquote(text)
            if decoded in (".", "..") or "/" in decoded or "\\" in decoded:
                raise TemplateError(f"{{{{{match.group(1)}}}}} is {text[:100]!r}, which would change the "
                                    "URL's path; a value in the path cannot be '.', '..' or contain '/'")
        return quote(text, safe="") if url else text

    return TEMPLATE.sub(value, text)


def render_body(body: Any, context: dict[str, Any]) -> Any:
    if isinstance(body, str):
        return render(body, context)
    if isinstance(body, dict):
        return {k: render_body(v, context) for k, v in body.items()}
    if isinstance(body, list):
        return [render_body(v, context) for v in body]
    return body


def bind_inputs(spec: ConnectorSpec, given: dict[str, str]) -> dict[str, str]:
    declared = {i.name: i for i in spec.inputs}
    unknown = sorted(set(given) - set(declared))
    missing = sorted(i.name for i in spec.inputs if i.required and i.name not in given)
    if unknown or missing:
        raise InvalidInput("; ".join([f"unknown input {n!r}" for n in unknown] +
                                     [f"input {n!r} is required" for n in missing]),
                           code="invalid_inputs", details={"declared": sorted(declared)})
    return {name: given.get(name, i.default) for name, i in declared.items()
            if given.get(name, i.default) is not None}


def subject_context(subject: dict[str, Any], held: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What templates read of the run's subject: its id, external_id and attribute values,
    and the same of each object its `one` references hold, under the attribute's name."""
    def values(obj: dict[str, Any]) -> dict[str, Any]:
        return {"id": obj["id"], "external_id": obj["external_id"], **obj["attributes"]}

    return {**values(subject), **{name: values(obj) for name, obj in held.items()}}


def check_subject(spec: ConnectorSpec, subject_type: str | None) -> None:
    """A connector that fills a person's or a conversation's reference runs for one."""
    wanted = spec.update_reference.on if spec.update_reference is not None else None
    if wanted is None:
        return
    if subject_type is None:
        raise InvalidInput(f"give the {wanted.lower()}_id this connector runs for", code="missing_subject")
    if subject_type != wanted:
        raise InvalidInput(f"this connector runs for a {wanted}: give {wanted.lower()}_id", code="wrong_subject")


def build_request(spec: ConnectorSpec, context: dict[str, Any], secret: str | None) -> dict[str, Any]:
    """The call to make (``fetch``'s arguments): templates filled from ``context``, the
    secret put where ``request.auth`` says; ``RunFailed`` when a template has no value."""
    r = spec.request
    if templated := origin_templates(r.url):  # kept from before the rule: refused, nothing sent
        raise RunFailed("template_error", f"{templated[0]}; edit the connector (PATCH /v1/connectors/{{id}})")
    try:
        headers = {k: render(v, context) for k, v in r.headers.items()}
        request = {"method": r.method, "url": render(r.url, context, url=True),
                   "params": {k: render(v, context) for k, v in r.query.items()},
                   "headers": headers, "json_body": render_body(r.body, context),
                   "timeout_s": r.timeout_s}
    except TemplateError as exc:
        raise RunFailed("template_error", str(exc)) from None
    _require_saved_origin(r.url, request["url"])
    if r.auth is not None and secret is not None:
        if r.auth.type == "bearer":
            headers["Authorization"] = f"Bearer {secret}"
        elif r.auth.type == "basic":
            headers["Authorization"] = "Basic " + base64.b64encode(f"{r.auth.username}:{secret}".encode()).decode()
        else:
            headers[r.auth.header] = secret
    # Sent to the connector's own origin only: a redirect elsewhere drops them (every
    # header the admin configured may carry a key, not only the auth one).
    request["credential_headers"] = ["Authorization", *headers]
    return request


def _require_saved_origin(saved: str, filled: str) -> None:
    """Defence in depth: the filled-in URL's scheme, host and port are the saved URL's
    (the credentials go there only); else the run fails before anything is sent."""
    try:
        same = url_origin(filled) == url_origin(saved)
    except ValueError:
        same = False
    if not same:
        raise RunFailed("template_error", "request.url: with its templates filled in, the URL's scheme, host "
                                          "or port is not the saved one; nothing was sent; edit the connector "
                                          "so that templates fill only the path and the query")


# ---- mapping a response -------------------------------------------------------------

@dataclass
class Mapped:
    records: list[dict[str, Any]] = field(default_factory=list)  # as POST .../batch takes them
    errors: list[dict[str, Any]] = field(default_factory=list)   # {index, message}


class MappingError(ValueError):
    """The response as a whole does not fit the mapping."""


def find_records(mapping: ResponseMapping, body: Any) -> list[Any]:
    found = jmespath.search(mapping.records, body)
    if not isinstance(found, list):
        raise MappingError(f"response.records {mapping.records!r} found "
                           f"{type(found).__name__ if found is not None else 'nothing'}, not a list")
    return found


def map_records(mapping: ResponseMapping, object_type: TypeDef, items: list[Any]) -> Mapped:
    """Each item as a record of ``object_type``: external id, converted attribute
    values, references by external id; an item that does not fit is an error by index."""
    out = Mapped()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            out.errors.append({"index": index, "message": "the record is not a JSON object"})
            continue
        external_id = jmespath.search(mapping.external_id, item)
        if isinstance(external_id, bool) or not isinstance(external_id, str | int) or external_id == "":
            out.errors.append({"index": index, "message":
                               f"no external id at {mapping.external_id!r} (found {external_id!r})"})
            continue
        attributes, problems = {}, []
        for name, path in mapping.attributes.items():
            try:
                attributes[name] = rules_of(object_type.attributes[name]).from_connector(jmespath.search(path, item))
            except ValueError as exc:
                problems.append(f"{name} ({path}): {exc}")
        references = {}
        for name, ref in mapping.references.items():
            target = jmespath.search(ref.external_id, item)
            if target is None:
                references[name] = None
            elif isinstance(target, str | int) and not isinstance(target, bool):
                references[name] = {"external_id": str(target)}
                attribute = object_type.attributes[name]
                for prop, path in ref.properties.items():
                    try:
                        value = rules_of(attribute.property(prop)).from_connector(jmespath.search(path, item))
                    except ValueError as exc:
                        problems.append(f"{name}.{prop} ({path}): {exc}")
                        continue
                    references[name].setdefault("properties", {})[prop] = value
            else:
                problems.append(f"{name} ({ref.external_id}): expected an external id, found {target!r}")
        if problems:
            out.errors.append({"index": index, "external_id": str(external_id), "message": "; ".join(problems)})
            continue
        out.records.append({"external_id": str(external_id), "attributes": attributes,
                            "references": references})
    return out


# ---- the run's record ---------------------------------------------------------------

COUNTS = ("fetched", "created", "updated", "unchanged", "linked")


@dataclass
class RunRecord:
    """One run as it is kept (``(:_ConnectorRun)-[:RUN_OF]->(:_Connector)``): failed until
    it succeeds, with the counts, the last HTTP status and, when it failed, why."""
    id: str
    connector_id: str
    subject: tuple[str, str] | None
    status: str = "failed"
    http_status: int | None = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    error_class: str | None = None
    error_message: str | None = None
    started_at: Any = None
    finished_at: Any = None

    def failed(self, exc: RunFailed) -> None:
        self.error_class, self.error_message = exc.error_class, exc.message
        self.http_status = self.http_status or exc.http_status

    def props(self) -> dict[str, Any]:
        """The record's node properties."""
        subject_type, subject_id = self.subject or (None, None)
        return {"id": self.id, "connector_id": self.connector_id, "status": self.status,
                "subject_type": subject_type, "subject_id": subject_id, "http_status": self.http_status,
                **self.counts, "error_class": self.error_class, "error_message": self.error_message,
                "started_at": self.started_at, "finished_at": self.finished_at}

    @classmethod
    def from_props(cls, props: dict[str, Any]) -> RunRecord:
        return cls(id=props["id"], connector_id=props["connector_id"], status=props["status"],
                   subject=(props["subject_type"], props["subject_id"]) if props.get("subject_type") else None,
                   http_status=props.get("http_status"), counts={k: props.get(k) or 0 for k in COUNTS},
                   error_class=props.get("error_class"), error_message=props.get("error_message"),
                   started_at=props.get("started_at"), finished_at=props.get("finished_at"))


@dataclass
class TrialResult:
    """What a run would write, shown without writing: the request, the start of the raw
    response, the mapped records, each record's problem, or why the call failed."""
    request: dict[str, Any] | None = None
    http_status: int | None = None
    excerpt: str | None = None
    records: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, str] | None = None
