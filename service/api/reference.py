"""The API reference: each operation's summary, description and examples, and what each
common parameter means. ``document`` puts them into the OpenAPI document (so `/docs`,
`/redoc` and generated clients show them); a test checks that every operation, parameter,
body and success answer has them, and that every example fits its model.

Operations are keyed by their operationId (the route function's name; ``intercom_`` in
front for the Intercom-compatible surface).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.api.reference_data import (
    ASSOCIATION,
    AT,
    ATTRIBUTE,
    ATTRIBUTE_CREATE,
    CONNECTOR,
    CONNECTOR_ID,
    CONVERSATION_ID,
    DELIVERY,
    EVENT,
    INTERCOM,
    OBJECT,
    ORDER_ID,
    ORDER_WRITE,
    PARAMETERS,
    PERSON_ID,
    PRUNE,
    REF,
    RUN,
    SELECTOR,
    SELECTOR_ID,
    TYPE,
    WEBHOOK,
)


@dataclass(frozen=True)
class Operation:
    summary: str
    description: str
    request: Any = None  # an example body
    response: Any = None  # an example success answer (None: no body, e.g. 204)


OPERATIONS: dict[str, Operation] = {
    # ---- health ---------------------------------------------------------------------------
    "livez": Operation("Liveness", "The process answers (no database call). `/healthz` is the readiness check.",
                       response={"status": "alive"}),
    "healthz": Operation(
        "Readiness", "Neo4j's version and edition, and whether migrations are applied. `200` when the API can "
        "serve; `503` (with `Retry-After`) while Neo4j is unreachable or migrations run. While `make run` loads "
        "the demo dataset, `demo` says how far it is (the API serves meanwhile). No token.",
        response={"status": "ok", "neo4j": {"version": "5.26.30", "edition": "community"},
                  "migrations": {"current": True, "applied": ["0001_workspaces"], "pending": []},
                  "demo": {"status": "loading", "objects": 2000, "total": 7012}}),
    "browser_style": Operation(
        "Neo4j Browser style", "refgraph's style for Neo4j Browser (`:style <this url>`): colours and captions "
        "for the built-in and demo types. Cross-origin reads are allowed for Neo4j Browser's origins only "
        "(`REFGRAPH_BROWSER_ORIGINS`). No token.", response="node.Order {\n  caption: '{order_number}';\n}\n"),
    "current_workspace": Operation("The token's workspace", "The workspace the token belongs to: every route "
                                   "reads and writes only there.", response={"id": "default"}),
    # ---- schema ---------------------------------------------------------------------------
    "list_types": Operation("List types", "The workspace's object types, built-in (`Person`, `Conversation`) "
                            "and custom, by name, each with its attributes.",
                            response={"data": [TYPE], "next_cursor": None}),
    "create_type": Operation(
        "Create a type", "A custom object type and its attributes. Names are a letter followed by letters, digits "
        "or `_`, and cannot change later. A reference attribute relates it to another type (or itself), `one` or "
        "`many` on each side, with an optional inverse attribute on the target. Needs an `admin` token.",
        request={"name": "Order", "label": "Order", "description": "A purchase in the shop",
                 "attributes": [{"name": "order_number", "data_type": "string", "required": True},
                                {"name": "total", "data_type": "float"}, ATTRIBUTE_CREATE]},
        response=TYPE),
    "get_type": Operation("Get a type", "One type with its attributes.", response=TYPE),
    "update_type": Operation("Change a type's label or description", "Its name cannot change.",
                             request={"label": "Shop order", "description": "A purchase in the web shop"},
                             response={**TYPE, "label": "Shop order", "description": "A purchase in the web shop"}),
    "delete_type": Operation("Delete a type", "Refused (`409 type_in_use`) while it has objects or other types "
                             "reference it. Built-in types cannot be deleted."),
    "add_attribute": Operation("Add an attribute", "A new attribute on the type; a reference may add its inverse "
                               "on the target type in the same step. Required attributes cannot be added to a "
                               "type with objects.", request=ATTRIBUTE_CREATE, response=ATTRIBUTE),
    "get_attribute": Operation("Get an attribute", "One attribute of the type.", response=ATTRIBUTE),
    "update_attribute": Operation(
        "Change an attribute", "Its label, description, `required`, and for a reference its cardinality, "
        "`on_delete` and inverse. Tightening a cardinality (`many` to `one`) deletes associations: run it first "
        "with `?dry_run=true` to see what would be deleted and get a `plan`, then apply exactly that with "
        "`?confirm=<plan>`; the deleted associations are kept as a prune you can restore.",
        request={"reference": {"cardinality": "many"}},
        response={**ATTRIBUTE, "reference": {**ATTRIBUTE["reference"], "cardinality": "many"}}),
    "delete_attribute": Operation("Delete an attribute", "Its values, or for a reference its associations, go "
                                  "with it. Refused while a selector step uses it."),
    # ---- objects --------------------------------------------------------------------------
    "upsert_object": Operation(
        "Create or update an object", "By `external_id`: `201` when it creates the object, `200` when one with "
        "that external id existed (its given attributes and references replaced; a record that changes nothing "
        "writes nothing). Attributes go under `attributes`, references under `references`, each target by `id`, "
        "`external_id` or `match` (`{\"match\": {\"email\": \"ada@example.com\"}}`: a unique attribute of the "
        "target). Without `external_id`, always creates. `?match_on=<unique attribute>` finds the object by "
        "that attribute's value instead of `external_id`.", request=ORDER_WRITE, response=OBJECT),
    "list_objects": Operation(
        "List and search objects", "Objects in creation order. `external_id=` finds one; "
        "`references.<attribute>=<id>` (one such filter) keeps those whose reference holds the object with that "
        "id, e.g. `GET /v1/objects/Order?references.customer=<person id>`. `where=` filters (all must hold: "
        "`status=shipped`, `total>=100`, `status in shipped|lost`, `title starts_with Acme`, `email is_null`, "
        "`customer.email=ada@example.com`), `sort=-placed_on,total` orders (id always last; the cursor keeps the "
        "sort) and `count=true` adds `total`. See docs/search.md.",
        response={"data": [OBJECT], "next_cursor": None, "total": None}),
    "search_objects": Operation(
        "Search objects with a filter tree", "What a query string cannot say: `and`, `or` and `not` of "
        "conditions `{attribute, op, value}` on the type's attributes, instance fields (`id`, `external_id`, "
        "`created_at`, `updated_at`) and, one hop away, a reference's targets (`customer.email`). Sorted, "
        "paged and counted as the list is.",
        request={"where": {"or": [{"attribute": "status", "op": "=", "value": "shipped"},
                                  {"not": {"attribute": "total", "op": "<", "value": 100}}]},
                 "sort": "-placed_on", "limit": 50, "count": True},
        response={"data": [OBJECT], "next_cursor": None, "total": 1}),
    "batch_upsert": Operation(
        "Create or update many objects", "Up to 10,000 records in one transaction: all are written or none "
        "(`422 invalid_records` lists every problem with its record's index). Counts what was created, changed "
        "and left unchanged. An object named twice (one `external_id`, or one `match_on` value) is written once, "
        "its records merged in order: the last record's values win.", request={"records": [ORDER_WRITE, {**ORDER_WRITE, "external_id": "ord-1002",
                                                                  "attributes": {"order_number": "N-1002"}}]},
        response={"created": 1, "updated": 0, "unchanged": 1, "ids": [ORDER_ID, "0193a5b2-7c41-7d10-8a2f-3b9e51c0d7ab"]}),
    "traverse": Operation(
        "Traverse references", "The distinct objects at the end of `path` (reference names, dot separated, "
        "inverses included) from this object, in id order, filtered by `where=` on the last hop's attributes.",
        response={"data": [{**OBJECT, "paths": None}], "next_cursor": None}),
    "get_object": Operation("Get an object", "With its attributes and its `one` references; each `many` "
                            "reference is in `many_references` with its count and page, and `expand=` names "
                            "references to show whole (up to 100 targets each).",
                            response={**OBJECT, "many_references": {"items": {
                                "count": 3, "url": f"/v1/objects/Order/{ORDER_ID}/references/items"}}}),
    "patch_object": Operation("Change an object", "Only the attributes and references given change; `null` "
                              "clears one.", request={"attributes": {"status": "delivered"}},
                              response={**OBJECT, "attributes": {**OBJECT["attributes"], "status": "delivered"}}),
    "delete_object": Operation("Delete an object", "Its references go with it; references to it follow their "
                               "`on_delete` (`clear`, `cascade` or `restrict`).",
                               response={"id": ORDER_ID, "type": "Order", "deleted": True}),
    "read_references": Operation("List an object's references", "The targets of one reference attribute, a page "
                                 "at a time.", response={"data": [REF], "next_cursor": None}),
    "replace_references": Operation("Replace an object's references", "The attribute's targets become exactly "
                                    "these; answers the first page of them.",
                                    request={"targets": [{"external_id": "ord-1001"}]},
                                    response={"data": [REF], "next_cursor": None}),
    "add_references": Operation("Add references", "These targets are added to the attribute's (a `one` "
                                "reference that holds another is `409 cardinality_conflict` unless "
                                "`on_conflict: reassign`); answers the first page of the targets.",
                                request={"targets": [{"id": ORDER_ID}]}, response={"data": [REF], "next_cursor": None}),
    "remove_reference": Operation("Remove a reference", "The object no longer references that target."),
    # ---- reports --------------------------------------------------------------------------
    "list_reports": Operation("List reports", "Every report with its parameters (pass them as query "
                              "parameters to run it), by name.",
                              response={"data": [{"name": "passports_expiring",
                                                  "title": "Passports expiring before a date", "description": "",
                                                  "params": [{"name": "before", "type": "date", "required": True,
                                                              "default": None, "description": "the date"}]}],
                                        "next_cursor": None}),
    "run_report": Operation(
        "Run a report", "In a read transaction with a time limit, in your workspace. The report's own "
        "parameters are query parameters: `?before=2027-01-01&limit=50`; `format=csv` streams every row.",
        response={"name": "orders_per_person", "columns": ["external_id", "orders"],
                  "rows": [{"external_id": "cust-42", "orders": 3}], "truncated": False}),
    # ---- connectors and secrets -----------------------------------------------------------
    "create_connector": Operation(
        "Create a connector", "A data connector: the request to a business's API (URL, query, headers, auth from "
        "a secret; `{{person.email}}`-style templates), how its records map to an object type by `external_id`, "
        "and optionally the person's or conversation's reference it sets. Checked against the types when saved.",
        request=CONNECTOR, response={**CONNECTOR, "id": CONNECTOR_ID, "created_at": AT, "updated_at": AT}),
    "list_connectors": Operation("List connectors", "Oldest first. Header values are shown to admin tokens only.",
                                 response={"data": [{**CONNECTOR, "id": CONNECTOR_ID, "created_at": AT,
                                                     "updated_at": AT}], "next_cursor": None}),
    "get_connector": Operation("Get a connector", "Header values are shown to admin tokens only.",
                               response={**CONNECTOR, "id": CONNECTOR_ID, "created_at": AT, "updated_at": AT}),
    "update_connector": Operation("Change a connector", "The fields given replace the saved ones; checked again. A field "
                                  "left out keeps its value; only `update_reference` can be `null` (removed).",
                                  request={"description": "Orders, newest first"},
                                  response={**CONNECTOR, "id": CONNECTOR_ID, "description": "Orders, newest first",
                                            "created_at": AT, "updated_at": AT}),
    "delete_connector": Operation("Delete a connector", "Its runs' records go with it; refused while a selector "
                                  "step uses it."),
    "test_connector": Operation(
        "Try a connector", "Call the remote API (or map `sample`) and show the request, the start of the raw "
        "response, the mapped records and each record's mapping error. Writes nothing.",
        request={"person_id": PERSON_ID},
        response={"request": {"method": "GET", "url": "https://shop.example.com/api/orders?email=ada%40example.com"},
                  "http_status": 200, "excerpt": "{\"data\": {\"orders\": [...]}}",
                  "records": [ORDER_WRITE], "errors": [], "error": None}),
    "run_connector": Operation(
        "Run a connector", "Fetch, map, upsert by external id and (with `update_reference`) set the person's or "
        "conversation's reference to exactly what was fetched, in one write. A failed run writes nothing; its "
        "record says why (`error.class`).", request={"person_id": PERSON_ID}, response=RUN),
    "list_runs": Operation("List a connector's runs", "Newest first.", response={"data": [RUN], "next_cursor": None}),
    "put_secret": Operation("Set a secret", "For connectors to use (`request.auth.secret`). Write-only: no route "
                            "returns its value.", request={"value": "shop-api-token-value"},
                            response={"name": "shop_token", "updated_at": AT}),
    "delete_secret": Operation("Delete a secret", "Connectors that use it fail with `missing_secret` until it is "
                               "set again."),
    "list_secrets": Operation("List secrets", "Their names and when each was set, never their values; by name.",
                              response={"data": [{"name": "shop_token", "updated_at": AT}], "next_cursor": None}),
    # ---- selectors ------------------------------------------------------------------------
    "create_selector": Operation(
        "Create a selector step", "A workflow's \"let the customer pick\" step. Checked when saved: both "
        "attributes are references on Conversation to the object type, display `many`, selection `one`; the "
        "connector, if any, updates exactly the display attribute.",
        request=SELECTOR, response={**SELECTOR, "id": SELECTOR_ID, "created_at": AT, "updated_at": AT}),
    "list_selectors": Operation("List selector steps", "Oldest first.",
                                response={"data": [{**SELECTOR, "id": SELECTOR_ID, "created_at": AT,
                                                    "updated_at": AT}], "next_cursor": None}),
    "get_selector": Operation("Get a selector step", "One selector step.",
                              response={**SELECTOR, "id": SELECTOR_ID, "created_at": AT, "updated_at": AT}),
    "delete_selector": Operation("Delete a selector step", "The attributes it used keep their values."),
    "buttons": Operation(
        "Offer the buttons", "Runs the step's connector for the conversation (if it has one), then answers the "
        "buttons from the display attribute, in the step's order. No options is an empty list with a `reason`; "
        "a failed connector is a `reason` too, with the options from before.",
        response={"data": [{"id": ORDER_ID, "label": "N-1001 (shipped)", "object": OBJECT}], "reason": None,
                  "connector_run": RUN}),
    "select": Operation(
        "Store the customer's pick", "Stores the choice in the selection attribute (replacing an earlier one); "
        "it must be among the options offered (`422 not_an_option` otherwise). Answers the conversation.",
        request={"object_id": ORDER_ID},
        response={**OBJECT, "id": CONVERSATION_ID, "type": "Conversation", "external_id": "conv-7",
                  "attributes": {"title": "Where is my order?"},
                  "references": {"selected_order": REF}}),
    # ---- integrity and prunes ---------------------------------------------------------------
    "check_integrity": Operation(
        "Check integrity", "Violations made around the service (by hand in Browser, by a script): a `one` "
        "reference holding several targets, an object without a required value, a relationship to another "
        "workspace.", response={"ok": True, "checked": ["Order", "Person", "Conversation"], "violations": []}),
    "list_prunes": Operation("List prunes", "Applied cardinality changes that deleted associations, newest first.",
                             response={"data": [PRUNE], "next_cursor": None}),
    "get_prune": Operation("Get a prune", "A prune with every association it deleted (`source` is the "
                           "attribute's holder).", response={**PRUNE, "associations": [ASSOCIATION]}),
    "restore_prune": Operation(
        "Restore a prune", "Re-create the prune's associations whose ends still exist and that fit the "
        "attribute's cardinality now; the others are listed with the reason: `source_deleted`, "
        "`target_deleted`, `exists`, `source_holds_another`, `target_holds_another`.",
        response={"restored": 1, "skipped": [{**ASSOCIATION, "reason": "target_deleted"}]}),
    # ---- change events --------------------------------------------------------------------
    "list_events": Operation(
        "Follow the change feed", "The workspace's change events after `after`, in commit order. Follow "
        "`next_cursor` (always present: the position after the last event examined, or `after` when nothing "
        "is new) and you never miss an event nor see one twice; `has_more` says whether to ask again at "
        "once. Without `after`, from the oldest event kept (`REFGRAPH_EVENTS_RETENTION_DAYS`). `types` "
        "keeps some (`object.*,reference.added`); `wait` (seconds, up to 30) waits while nothing is new.",
        response={"data": [EVENT], "next_cursor": "118.2", "has_more": False}),
    # ---- webhooks -----------------------------------------------------------------------
    "create_webhook": Operation(
        "Subscribe a webhook", "An endpoint that receives the change events it names (patterns, `*` for all), "
        "from now on, signed by the Standard Webhooks specification. The answer holds the signing `secret` "
        "(`whsec_...`): it is shown only here and by `rotate_secret`, with `Cache-Control: no-store`; a replay "
        "(`Idempotency-Key`) answers without it.",
        request={"url": "https://hooks.example.com/refgraph", "events": ["object.*", "reference.added"],
                 "description": "the warehouse mirror"},
        response={**WEBHOOK, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}),
    "list_webhooks": Operation("List webhooks", "The workspace's endpoints, oldest first (never their secrets).",
                               response={"data": [WEBHOOK], "next_cursor": None}),
    "get_webhook": Operation("Get a webhook", "An endpoint: where it is in the feed (`position`), its failures in "
                             "a row, when it is tried next and, when disabled, why.", response=WEBHOOK),
    "update_webhook": Operation(
        "Edit a webhook", "Change its URL, events or description; `enabled: true` resumes a disabled endpoint "
        "where it stopped, `false` pauses it.", request={"enabled": True}, response=WEBHOOK),
    "delete_webhook": Operation("Delete a webhook", "The endpoint and its delivery records go."),
    "rotate_webhook_secret": Operation(
        "Rotate a webhook's secret", "A new signing secret, shown once (`Cache-Control: no-store`; a replay answers "
        "without it); deliveries are signed with it from now on.",
        response={**WEBHOOK, "secret": "whsec_Zq0vA1sF7d2Qm9HhKcX3LbT8nRwYpE6u"}),
    "list_deliveries": Operation(
        "List a webhook's deliveries", "Every attempt, newest first: the delivery's `webhook-id`, how many events, "
        "the outcome, the HTTP status, the latency and the error.", response={"data": [DELIVERY], "next_cursor": None}),
    "replay_webhook": Operation(
        "Replay a webhook", "Deliver again from the feed position `after` (a `next_cursor` of `GET /v1/events`, "
        "or `0.-1` for the oldest event kept); the endpoint's failures are cleared.", request={"after": "100.0"},
        response=WEBHOOK),
    # ---- the Intercom-compatible surface ---------------------------------------------------
    "intercom_create_or_update": Operation(
        "Create or update an instance (Intercom)", "Intercom's `POST /custom_object_instances/{type}`: by "
        "`external_id`, with `custom_attributes`; times are Unix seconds.",
        request={"external_id": "ord-1001", "external_created_at": 1764493200,
                 "custom_attributes": {"order_number": "N-1001", "total": 42.5}}, response=INTERCOM),
    "intercom_get_by_external_id": Operation("Find an instance by external id (Intercom)",
                                             "Intercom's `GET /custom_object_instances/{type}?external_id=`.",
                                             response=INTERCOM),
    "intercom_delete_by_external_id": Operation("Delete an instance by external id (Intercom)",
                                                "Intercom's `DELETE /custom_object_instances/{type}?external_id=`.",
                                                response={"id": ORDER_ID, "object": "Order", "deleted": True}),
    "intercom_get_by_id": Operation("Get an instance (Intercom)", "Intercom's `GET /custom_object_instances/"
                                    "{type}/{id}`; the id may also be the external id.", response=INTERCOM),
    "intercom_delete_by_id": Operation("Delete an instance (Intercom)", "Intercom's `DELETE "
                                       "/custom_object_instances/{type}/{id}`.",
                                       response={"id": ORDER_ID, "object": "Order", "deleted": True}),
}


def operation_id(route) -> str:
    """Clean operation ids for client generators: the route function's name."""
    return ("intercom_" if route.path.startswith("/intercom") else "") + route.name


def document(schema: dict) -> dict:
    """The OpenAPI document with each operation's summary, description and examples, and a
    description for each common parameter that has none."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            known = OPERATIONS.get(operation.get("operationId", ""))
            if known is None:
                continue
            operation["summary"] = known.summary
            operation["description"] = known.description
            for parameter in operation.get("parameters", []):
                if not parameter.get("description") and parameter["name"] in PARAMETERS:
                    parameter["description"] = PARAMETERS[parameter["name"]]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and known.request is not None:
                body["example"] = known.request
            for status, answer in operation.get("responses", {}).items():
                if status.startswith("2") and known.response is not None:
                    for content in answer.get("content", {}).values():
                        content["example"] = known.response
    return schema


def markdown(schema: dict) -> str:
    """docs/routes.md: every operation, from the OpenAPI document."""
    lines = ["# Routes", "",
             "Every operation of the API, written from its OpenAPI document "
             "(`refgraph docs routes > docs/routes.md`; a test checks that this page is "
             "current). `/docs` shows the same with examples of every body and answer; "
             "[errors.md](errors.md) explains each error code.", ""]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            lines += [f"## `{method.upper()} {path}`: {operation['summary']}", "", operation["description"], ""]
            parameters = operation.get("parameters", [])
            if parameters:
                lines += ["| parameter | in | what |", "| --- | --- | --- |"]
                lines += [f"| `{p['name']}` | {p['in']} | {p['description']} |" for p in parameters]
                lines.append("")
            errors = [f"`{status}` " + ", ".join(f"`{code}`" for code in
                                                answer["content"]["application/json"]["examples"])
                      for status, answer in sorted(operation["responses"].items())
                      if status.startswith(("4", "5")) and "content" in answer]
            if errors:
                lines += ["Errors: " + "; ".join(errors) + ".", ""]
    return "\n".join(lines)

