"""The error catalogue: every error code the API answers, its status, what it means and
what to do, and the routes that can answer it. One source for three readers:

- the OpenAPI document lists, for each operation, the codes its route can answer;
- ``docs/errors.md`` is written from it (``refgraph docs errors > docs/errors.md``;
  a test checks that the page is current);
- the app checks every error it answers against it (``observe``): a code a route answers
  but the catalogue does not list for that route is logged, and the test suite fails on it.

Routes are ``"METHOD /template"`` patterns (``fnmatch``: ``*`` matches anything).
"""

from __future__ import annotations

import fnmatch
import logging
from dataclasses import dataclass

log = logging.getLogger("refgraph")

API = ("* /v1/*", "* /intercom/*")
WRITES = ("POST /v1/*", "PUT /v1/*", "PATCH /v1/*", "DELETE /v1/*", "POST /intercom/*", "DELETE /intercom/*")
SCHEMA = ("POST /v1/types", "* /v1/types/*")
OBJECT_WRITES = ("POST /v1/objects/*", "PATCH /v1/objects/*", "PUT /v1/objects/*", "DELETE /v1/objects/*",
                 "POST /intercom/*", "DELETE /intercom/*", "POST /v1/connectors/*/runs",
                 "POST /v1/conversations/*/select", "POST /v1/prunes/*/restore")
RECORD_WRITES = ("POST /v1/objects/{type}", "POST /v1/objects/{type}/batch", "PATCH /v1/objects/{type}/{id}",
                 "POST /intercom/*", "* /v1/objects/{type}/{id}/references/{attribute}")
OBJECT_ROUTES = ("* /v1/objects/{type}*", "* /intercom/custom_object_instances/*")
CONNECTORS = ("* /v1/connectors*",)
SELECTORS = ("* /v1/selectors*", "POST /v1/conversations/*")
REPORTS = ("GET /v1/reports/{name}",)
TRAVERSE = ("GET /v1/objects/{type}/{id}/traverse",)
LISTS = ("GET /v1/types", "GET /v1/objects/{type}", "GET /v1/objects/{type}/{id}/references/{attribute}",
         "GET /v1/connectors", "GET /v1/connectors/{connector_id}/runs", "GET /v1/selectors", "GET /v1/prunes",
         "GET /v1/reports", "GET /v1/secrets")
DETAILED_READS = ("GET /v1/objects/{type}/{id}", "GET /v1/objects/{type}")
SEARCH = ("GET /v1/objects/{type}", "POST /v1/objects/{type}/search")


@dataclass(frozen=True)
class ErrorCode:
    status: int
    code: str
    meaning: str  # what happened, and what to do
    routes: tuple[str, ...] = API
    per_operation: bool = True  # listed under each operation in the OpenAPI document

    def applies_to(self, operation: str) -> bool:
        return any(fnmatch.fnmatchcase(operation, pattern) for pattern in self.routes)


CODES = [
    # ---- any route of the API -----------------------------------------------------
    ErrorCode(401, "unauthorized", "No `Authorization: Bearer <token>` header, or the token is not valid "
              "(revoked, expired or mistyped). Send a valid token."),
    ErrorCode(403, "insufficient_scope", "The token's scope does not allow this route (`read` < `write` < "
              "`admin`). Use a token with the scope the message names."),
    ErrorCode(429, "rate_limited", "Too many requests from this token (an expensive one counts as several: "
              "`details.counts_as`), or too many failed sign-ins from this address. Wait the seconds "
              "`Retry-After` says."),
    ErrorCode(422, "unknown_parameter", "A query parameter the route does not take (often a misspelling). "
              "`details.allowed` lists the ones it takes."),
    ErrorCode(422, "invalid_input", "The request does not fit the route: the body is not JSON in UTF-8, a field is "
              "missing or has the wrong type, or a path or query value is malformed. The message names the "
              "field; `details.errors` lists every problem."),
    ErrorCode(413, "payload_too_large", "The body is larger than `REFGRAPH_MAX_BODY_BYTES`. Send fewer "
              "records per request.", WRITES),
    ErrorCode(415, "unsupported_media_type", "The body is not `application/json`. Send "
              "`Content-Type: application/json`.", WRITES),
    ErrorCode(404, "not_found", "No such route. The message says whether a trailing slash is the cause; "
              "`/docs` lists the routes.", ("*",), per_operation=False),
    ErrorCode(405, "method_not_allowed", "The route exists but not with this method. `details.allowed` "
              "(and the `Allow` header) lists the methods it takes.", ("*",), per_operation=False),
    ErrorCode(422, "invalid_idempotency_key", "`Idempotency-Key` must be 1 to 255 printable characters.", WRITES),
    ErrorCode(422, "idempotency_key_reused", "This `Idempotency-Key` was used with another method, path or "
              "body. Use a new key for a new request.", WRITES),
    ErrorCode(409, "idempotency_key_in_progress", "A request with this `Idempotency-Key` is still running. "
              "Retry after it finishes to get its answer.", WRITES),
    ErrorCode(503, "database_unavailable", "Neo4j is not reachable, or migrations are being applied. Retry "
              "after `Retry-After` seconds.", (*API, "GET /healthz")),
    ErrorCode(503, "migrations_pending", "The API is applying migrations. Retry after `Retry-After` seconds.",
              ("GET /healthz",)),
    ErrorCode(503, "unavailable", "Neo4j could not complete the request in time. Retry shortly."),
    ErrorCode(503, "over_capacity", "This token or workspace already has as much expensive work in flight as "
              "it may (long-polls, feed reads, searches, traversals, reports, integrity scans, connector calls, "
              "batches), or its share of the database's connections is in use. Retry after `Retry-After` "
              "seconds, and send fewer such requests at once."),
    ErrorCode(422, "transaction_memory", "The request needed more memory in Neo4j than one transaction may "
              "use (`REFGRAPH_NEO4J_TRANSACTION_MEMORY`). Send fewer records or narrow the request."),
    ErrorCode(500, "internal_error", "An unexpected error; it was logged with the request id "
              "(`X-Request-Id`). Report it with that id.", ("*",)),
    # ---- types and attributes ------------------------------------------------------
    ErrorCode(404, "unknown_type", "No type by that name in this workspace. `GET /v1/types` lists them.",
              (*SCHEMA, *OBJECT_ROUTES, "POST /v1/connectors*", "PATCH /v1/connectors/*", "* /v1/selectors*",
               "GET /v1/reports/{name}")),
    ErrorCode(422, "unknown_type", "The body names a type that does not exist (a reference's target, a "
              "connector's or selector's object type). `GET /v1/types` lists them.",
              (*SCHEMA, "POST /v1/connectors*", "PATCH /v1/connectors/*", "POST /v1/selectors")),
    ErrorCode(404, "unknown_attribute", "The type has no attribute by that name. `GET /v1/types/{type}` "
              "lists its attributes.", (*SCHEMA, *OBJECT_ROUTES)),
    ErrorCode(422, "unknown_attribute", "The request names an attribute the type does not have (in a "
              "filter, `expand=`, `sort`, a selector or a connector mapping). The message lists the ones it has.",
              (*SCHEMA, *OBJECT_ROUTES, *CONNECTORS, *SELECTORS)),
    ErrorCode(409, "type_exists", "A type by that name exists. Pick another name, or change the existing "
              "type with `PATCH /v1/types/{type}`.", ("POST /v1/types",)),
    ErrorCode(409, "attribute_exists", "The type (or the reference's target, for an inverse) already has an "
              "attribute by that name. Pick another name.", SCHEMA),
    ErrorCode(422, "invalid_identifier", "A name that becomes a label, relationship type or key must be a "
              "letter followed by letters, digits or `_` (at most 64), not a reserved word. The message "
              "says which rule it breaks.", (*SCHEMA, *OBJECT_ROUTES, *CONNECTORS, *SELECTORS, *REPORTS)),
    ErrorCode(422, "quota_exceeded", "The workspace has as many types (`REFGRAPH_MAX_TYPES_PER_WORKSPACE`), "
              "the type as many attributes (`REFGRAPH_MAX_ATTRIBUTES_PER_TYPE`) or the workspace as many webhooks "
              "(20) as allowed. Delete unused ones.", (*SCHEMA, "POST /v1/webhooks")),
    ErrorCode(422, "immutable_name", "Names and data types cannot change once saved. Add a new attribute "
              "instead.", SCHEMA),
    ErrorCode(422, "immutable_field", "That part of an attribute (its data type, a reference's target) "
              "cannot change once saved. Add a new attribute instead.", SCHEMA),
    ErrorCode(422, "not_a_reference", "That change applies to reference attributes only.", SCHEMA),
    ErrorCode(422, "no_inverse", "The reference has no inverse to change. Add one with "
              "`reference.inverse`.", SCHEMA),
    ErrorCode(409, "builtin_type", "Built-in types (Person, Conversation) cannot be deleted or renamed.", SCHEMA),
    ErrorCode(409, "builtin_attribute", "Built-in attributes cannot be changed or deleted.", SCHEMA),
    ErrorCode(409, "type_in_use", "The type has objects, or other types reference it. Delete those first "
              "(the message says which).", SCHEMA),
    ErrorCode(409, "used_by_selector", "A selector uses this attribute. Delete or change the selector first.",
              SCHEMA),
    ErrorCode(409, "required_attribute_on_existing_objects", "Making an attribute required while objects "
              "lack it. Fill it on every object first (the message counts them).", SCHEMA),
    ErrorCode(409, "schema_conflict", "The type changed while this change was being made. Read it again "
              "and retry.", SCHEMA),
    ErrorCode(409, "confirmation_required", "Tightening a reference's cardinality deletes associations; "
              "removing an enum's options that objects hold changes their values. Run it with "
              "`?dry_run=true`, read the plan, and apply it with `?confirm=<plan>`.", SCHEMA),
    ErrorCode(409, "plan_outdated", "The data changed since the dry run: its plan no longer says what "
              "would be deleted or changed. Run the dry run again.", SCHEMA),
    ErrorCode(422, "invalid_field", "That setting does not apply to this attribute (`unique` on a type that "
              "cannot be unique, `options` on an attribute that is not an enum, an `option_map` that maps a "
              "value the change keeps); `details.field` names it.", SCHEMA),
    ErrorCode(409, "duplicate_values", "The attribute cannot become unique: objects share values. "
              "`details.duplicates` lists each value with its holders; change or clear them first.", SCHEMA),
    ErrorCode(409, "required_value_cleared", "Removing the options would clear a required attribute's "
              "value. Map each removed value to an option (`option_map`).", SCHEMA),
    # ---- objects and references -------------------------------------------------------
    ErrorCode(404, "unknown_object", "No object of that type with that id in this workspace. To find one by "
              "its external id: `GET /v1/objects/{type}?external_id=`.",
              (*OBJECT_ROUTES, "POST /v1/connectors/*", "POST /v1/conversations/*")),
    ErrorCode(404, "object_not_found", "No object of that type with that id or external id (Intercom "
              "surface).", ("* /intercom/*",)),
    ErrorCode(404, "unknown_reference", "The object does not reference that target. "
              "`GET /v1/objects/{type}/{id}/references/{attribute}` lists the ones it does.",
              ("DELETE /v1/objects/{type}/{id}/references/{attribute}/{target_id}",)),
    ErrorCode(422, "invalid_records", "One or more records (of a single write or a batch) do not fit the "
              "type; nothing was written. `details.errors` lists each problem with the record's `index`, "
              "a problem `code` (below), the `field` and a message; `details.total` counts them.",
              (*RECORD_WRITES, "POST /v1/connectors/*", "POST /v1/conversations/*")),
    ErrorCode(409, "cardinality_conflict", "The write would give a `one` side a second association. "
              "Remove the old one first, or write with `?reassign=true` where the route offers it.",
              (*OBJECT_WRITES,)),
    ErrorCode(409, "limit_conflict", "The write would give a source (or target) more associations with a "
              "limited property value than the reference's `limits` allow (one decision maker per deal). "
              "`details.holders` names those that hold it; change or remove one first.", (*OBJECT_WRITES,)),
    ErrorCode(409, "unique_violation", "Another object of the type holds this value of a unique attribute. "
              "`details.holder` names it: update that object, or write with `?match_on=<attribute>` to "
              "update it by that value.", (*OBJECT_WRITES,)),
    ErrorCode(422, "invalid_match", "`match_on` (or a reference's `match`) names an attribute that is not "
              "unique; the message lists the unique ones.", (*RECORD_WRITES, "POST /v1/connectors/*")),
    ErrorCode(409, "restricted", "Deleting the object is refused: a reference with `on_delete: restrict` "
              "points at it. Remove those references first (the message counts them).", OBJECT_WRITES),
    ErrorCode(409, "cascade_too_large", "The delete would cascade to more objects than one request may "
              "delete. Delete the dependants in smaller steps first.", OBJECT_WRITES),
    ErrorCode(409, "schema_changed", "The type, or the objects the write compared or refers to, changed "
              "while the write ran, three times over. Retry the write.",
              (*OBJECT_WRITES,)),
    ErrorCode(422, "invalid_cursor", "The `cursor` (the feed's `after`) is not one this list gave. Start "
              "again without it; a search's cursor keeps its sort.", (*LISTS, *TRAVERSE, *SEARCH, "GET /v1/events", "GET /v1/webhooks",
                                    "GET /v1/webhooks/*/deliveries", "POST /v1/webhooks/*/replay")),
    ErrorCode(422, "invalid_event_types", "`types` (a webhook's `events`) names no event type. Give event "
              "types or patterns (`object.*`, `reference.added`); `details.event_types` lists them.",
              ("GET /v1/events", "POST /v1/webhooks", "PATCH /v1/webhooks/*")),
    ErrorCode(422, "host_not_allowed", "A webhook's `url` names a host deliveries may not reach: one that "
              "resolves to a loopback, private or reserved address, or one not in "
              "`REFGRAPH_WEBHOOK_ALLOWED_HOSTS` when that is set. Give a public URL, or ask an operator to "
              "name the host in `REFGRAPH_WEBHOOK_ALLOWED_HOSTS`.", ("POST /v1/webhooks", "PATCH /v1/webhooks/*")),
    ErrorCode(404, "unknown_webhook", "No webhook with that id in this workspace. `GET /v1/webhooks` lists "
              "them.", ("* /v1/webhooks/*",)),
    ErrorCode(422, "invalid_filter", "A filter (`references.<attribute>=`, a search's or a traversal's "
              "`where`, a `sort`) is malformed, or its operator does not apply to the attribute's data type. "
              "The message shows the form it takes or the operators that apply.", (*DETAILED_READS, *TRAVERSE, *SEARCH)),
    ErrorCode(422, "invalid_value", "A filter's value does not fit the attribute's data type.", (*TRAVERSE, *SEARCH)),
    ErrorCode(422, "too_many_filters", "A search or a traversal takes at most the number of filters the "
              "message says.", (*TRAVERSE, *SEARCH)),
    ErrorCode(422, "invalid_path", "A traversal's `path` names attributes that do not chain. The message "
              "lists the references the type has at that step.", TRAVERSE),
    ErrorCode(422, "search_timeout", "A search ran longer than `REFGRAPH_TRAVERSAL_TIMEOUT_S`. Narrow it, or "
              "filter and sort on indexed attributes (docs/search.md).", SEARCH),
    ErrorCode(422, "search_memory", "A search needed more memory than a transaction may use. Narrow it.", SEARCH),
    ErrorCode(422, "path_too_long", "A traversal's `path` has more hops than allowed.", TRAVERSE),
    ErrorCode(422, "traversal_timeout", "The traversal took longer than `REFGRAPH_TRAVERSAL_TIMEOUT_S`. "
              "Narrow it with `where=` or fewer hops.", TRAVERSE),
    ErrorCode(422, "traversal_memory", "The traversal needed more memory than a transaction may use. "
              "Narrow it with `where=`, fewer hops or a smaller `limit`.", TRAVERSE),
    # ---- prunes ---------------------------------------------------------------------------
    ErrorCode(404, "unknown_prune", "No prune with that id in this workspace. `GET /v1/prunes` lists them.",
              ("* /v1/prunes/*",)),
    ErrorCode(409, "attribute_deleted", "The prune's attribute was deleted since: there is nothing to "
              "restore the associations into.", ("POST /v1/prunes/*/restore",)),
    # ---- reports and integrity ------------------------------------------------------------
    ErrorCode(404, "unknown_report", "No report by that name. `GET /v1/reports` lists them.", REPORTS),
    ErrorCode(422, "invalid_parameter", "A report parameter is missing or does not fit its type. The "
              "message names it; `GET /v1/reports` lists each report's parameters.", REPORTS),
    ErrorCode(422, "report_timeout", "The report ran longer than `REFGRAPH_REPORT_TIMEOUT_S`. Narrow its "
              "parameters.", REPORTS),
    ErrorCode(422, "report_failed", "Neo4j refused the report's query; the message says why.", REPORTS),
    ErrorCode(422, "integrity_timeout", "The integrity scan took longer than allowed. Scan one type at a "
              "time (`?type=`).", ("GET /v1/integrity",)),
    # ---- connectors, secrets and selectors ------------------------------------------------
    ErrorCode(404, "unknown_connector", "No connector with that id in this workspace. `GET /v1/connectors` "
              "lists them.", (*CONNECTORS, *SELECTORS)),
    ErrorCode(404, "unknown_secret", "No secret by that name. `PUT /v1/secrets/{name}` sets one.",
              ("* /v1/secrets/*", *CONNECTORS)),
    ErrorCode(409, "duplicate_name", "A connector or selector by that name exists in this workspace. Pick "
              "another name.", (*CONNECTORS, *SELECTORS)),
    ErrorCode(422, "invalid_connector", "The connector's definition does not hold together (its mapping, "
              "paging or references); the message says what to change.", CONNECTORS),
    ErrorCode(422, "template_error", "A template (`{{inputs.shop}}`) is in the connector's URL before its path: "
              "in its scheme, host or port. Write those out in full; templates go in the path and the query "
              "only, so a run calls (and sends credentials to) the origin saved. `details.field` names the "
              "field.", ("POST /v1/connectors", "PATCH /v1/connectors/{connector_id}")),
    ErrorCode(422, "invalid_inputs", "A run's `inputs` do not fit the connector's declared inputs.", CONNECTORS),
    ErrorCode(422, "invalid_subject", "A run's `subject` must be `{\"type\": ..., \"id\": ...}` of the type "
              "the connector is for.", CONNECTORS),
    ErrorCode(422, "missing_subject", "This connector updates references from a subject: give `subject`.",
              CONNECTORS),
    ErrorCode(422, "wrong_subject", "The subject is not of the type this connector updates references from.",
              CONNECTORS),
    ErrorCode(404, "unknown_selector", "No selector with that id in this workspace. `GET /v1/selectors` lists "
              "them.", SELECTORS),
    ErrorCode(422, "invalid_selector", "The selector's attributes do not fit (display must be a `many` "
              "reference to the object type, selection a `one` reference); the message says which.", SELECTORS),
    ErrorCode(422, "not_an_option", "The picked object is not among the conversation's options (its display "
              "attribute). Ask for the buttons again.", ("POST /v1/conversations/*/select",)),
]

# The codes inside ``details.errors`` of ``invalid_records``: one per problem.
PROBLEMS = {
    "required": "A required attribute has no value. Give it in `attributes`.",
    "unknown_attribute": "The type has no attribute by that name (`field`). Attributes go under "
                         "`attributes`, references under `references`.",
    "invalid_value": ("The value does not fit the attribute's data type, or a reference's target does not give "
                      "exactly one of `id`, `external_id` or `match` (with one attribute); the message says what "
                      "it expects."),
    "unknown_reference": "A reference names a target (by id or external id) that does not exist.",
    "cardinality": "A `one` reference was given more than one target.",
    "unique_violation": "Two records of the write give one value of a unique attribute to two objects.",
}

UNDECLARED: set[tuple[str, int, str]] = set()  # (operation, status, code) answered but not listed


def codes_for(operation: str) -> list[ErrorCode]:
    return [entry for entry in CODES if entry.applies_to(operation)]


def document(schema: dict) -> dict:
    """The OpenAPI document with each operation's error answers: per status, the codes
    its route can answer and what each means, with an example of each."""
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            by_status: dict[int, list[ErrorCode]] = {}
            for entry in codes_for(f"{method.upper()} {path}"):
                if entry.per_operation:
                    by_status.setdefault(entry.status, []).append(entry)
            responses = operation.setdefault("responses", {})
            for stale in [s for s in responses if s.startswith(("4", "5")) and int(s) not in by_status]:
                del responses[stale]  # a generic error answer this route cannot give
            for status, entries in sorted(by_status.items()):
                responses[str(status)] = {
                    "description": " ".join(f"`{e.code}`: {e.meaning}" for e in entries),
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ErrorResponse"},
                        "examples": {e.code: {"summary": e.meaning.split(". ")[0].rstrip("."),
                                              "value": {"error": {"code": e.code, "message": "...",
                                                                  "details": None}}}
                                     for e in entries}}},
                }
    return schema


def observe(operation: str, status: int, code: str) -> None:
    """An error the app answered: logged (and kept for the tests) when the catalogue does
    not list it for that route. (``METHOD unmatched``: answered before routing, by a
    middleware, or for a path no route takes: the code must be listed somewhere.)"""
    unmatched = operation.endswith(" unmatched")
    if any(e.status == status and e.code == code and (unmatched or e.applies_to(operation)) for e in CODES):
        return
    if (operation, status, code) not in UNDECLARED:
        UNDECLARED.add((operation, status, code))
        log.warning("error %d %s on %s is not in the error catalogue (service/api/catalogue.py)",
                    status, code, operation)


def markdown() -> str:
    """docs/errors.md."""
    lines = ["# Error catalogue", "",
             "Every error has one shape: "
             "`{\"error\": {\"code\": ..., \"message\": ..., \"details\": ...}}`. The message says what "
             "happened and what to do; `code` is stable, for programs. Each operation in the OpenAPI "
             "document (`/docs`) lists the codes it can answer.",
             "", "Written from `service/api/catalogue.py` by `refgraph docs errors`.", "",
             "| status | code | what it means, and what to do |", "| --- | --- | --- |"]
    for entry in sorted(CODES, key=lambda e: (e.status, e.code)):
        lines.append(f"| {entry.status} | `{entry.code}` | {entry.meaning} |")
    lines += ["", "## Record problems", "",
              "`invalid_records` (a single write or a batch) lists each problem in `details.errors` as "
              "`{\"index\", \"code\", \"field\", \"message\"}`, with one of these codes:", "",
              "| code | what it means |", "| --- | --- |"]
    lines += [f"| `{code}` | {meaning} |" for code, meaning in PROBLEMS.items()]
    return "\n".join(lines) + "\n"

