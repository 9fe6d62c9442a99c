"""The connector form of the console, pure: a form's text fields as a ``ConnectorSpec``
(lines such as ``name=value`` for the query, ``Name: value`` for headers, ``attribute =
path`` for the mapping; JSON only for a body, pages and inputs), a saved spec as the form
shows it, and every problem, the model's or ``check_connector``'s, beside its field."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from service.api.routes.connectors import HIDDEN
from service.domain.connectors import TEMPLATE, ConnectorSpec

SUBJECTS = ("Conversation", "Person")
# A spec's path (as check_connector and pydantic name it) -> the form field it is edited in.
FIELDS = {**{k: k for k in ("name", "description", "object_type", "inputs", "update_reference")},
          **{f"request.{k}": k for k in ("method", "url", "query", "headers", "body", "timeout_s")},
          **{f"response.{k}": k for k in ("records", "external_id", "attributes", "references", "pagination",
                                          "match_on")}, "request.auth": "auth_secret"}
BLANK = {**dict.fromkeys(FIELDS.values(), ""), "method": "GET", "timeout_s": "10", "auth_type": "",
         "auth_username": "", "auth_header": "", "test_on": "Conversation", "test_id": "", "test_inputs": ""}
RUN_FORM = {"run_on": "Conversation", "run_id": "", "run_inputs": ""}


MOST_WORDS = 400  # a field's problems shown: past this, "(and more)"


def add_error(errors: dict[str, str], field: str, message: str) -> None:
    """One more problem beside ``field``; past MOST_WORDS characters only "(and more)", so a
    form of a million bad lines costs a million checks, not their squares."""
    held = errors.get(field)
    if held is None:
        errors[field] = message
    elif len(held) < MOST_WORDS:
        errors[field] = f"{held}; {message}"
    elif not held.endswith(" (and more)"):
        errors[field] = held + " (and more)"


def field_of(where: str) -> str:
    for prefix in sorted(FIELDS, key=len, reverse=True):
        if where == prefix or where.startswith(prefix + "."):
            return FIELDS[prefix]
    return "form"


def lines(text: str, sep: str, field: str, errors: dict[str, str]) -> dict[str, str]:
    """``key <sep> value`` lines as a mapping; a line without ``sep`` is an error beside ``field``."""
    found = {}
    for number, line in enumerate(text.splitlines(), 1):
        key, has, value = line.partition(sep)
        if line.strip() and (not has or not key.strip()):
            add_error(errors, field, f"line {number} ({line.strip()[:60]!r}) is not written 'name {sep} value'")
        elif line.strip():
            found[key.strip()] = value.strip()
    return found


def _json(text: str, field: str, errors: dict[str, str]) -> Any:
    try:
        return json.loads(text) if text.strip() else None
    except ValueError as exc:
        add_error(errors, field, f"not valid JSON ({exc})")
        return None


def _references(text: str, errors: dict[str, str]) -> dict[str, Any]:
    """``reference = path`` (the target's external id) and ``reference.property = path`` lines."""
    found: dict[str, Any] = {}
    for key, path in lines(text, "=", "references", errors).items():
        name, dot, prop = key.partition(".")
        mapping = found.setdefault(name, {"external_id": "", "properties": {}})
        if dot:
            mapping["properties"][prop] = path
        else:
            mapping["external_id"] = path
    return found


def parse(form: dict[str, str]) -> tuple[ConnectorSpec | None, dict[str, str]]:
    """The form as a connector spec, and its problems by field (all at once; None: the
    model refused it)."""
    errors: dict[str, str] = {}
    text = {k: (form.get(k) or "").strip() for k in BLANK}
    auth = {"type": text["auth_type"], "secret": text["auth_secret"], "username": text["auth_username"] or None,
            "header": text["auth_header"] or None} if text["auth_type"] else None
    on, _, attribute = text["update_reference"].partition(".")
    raw = {"name": text["name"], "description": text["description"], "object_type": text["object_type"],
           "request": {"method": text["method"] or "GET", "url": text["url"], "auth": auth,
                       "query": lines(text["query"], "=", "query", errors),
                       "headers": lines(text["headers"], ":", "headers", errors),
                       "body": _json(text["body"], "body", errors), "timeout_s": text["timeout_s"] or 10},
           "response": {"records": text["records"], "external_id": text["external_id"],
                        "attributes": lines(text["attributes"], "=", "attributes", errors),
                        "references": _references(text["references"], errors),
                        "pagination": _json(text["pagination"], "pagination", errors),
                        "match_on": text["match_on"] or None},
           "inputs": _json(text["inputs"], "inputs", errors) or [],
           "update_reference": {"on": on, "attribute": attribute} if attribute else None}
    try:
        spec = ConnectorSpec.model_validate(raw)
    except ValidationError as exc:
        for e in exc.errors():
            add_error(errors, field_of(".".join(str(p) for p in e["loc"])), e["msg"].removeprefix("Value error, "))
        return None, errors
    return spec, errors  # a spec (from the lines that could be read) may come with errors


def placed(problems: list[str], form: dict[str, str]) -> dict[str, str]:
    """check_connector's problems ("request.url: ...") beside the fields they concern."""
    errors: dict[str, str] = {}
    for problem in problems:
        where, _, message = problem.partition(": ")
        if where.startswith("template "):  # beside the field that holds the template
            name = where.removeprefix("template ").strip("{} ")
            field = next((f for f in ("url", "query", "headers", "body")
                          if name in TEMPLATE.findall(form.get(f) or "")), "url")
            add_error(errors, field, problem)
        else:
            add_error(errors, field_of(where) if message else "form", message or problem)
    return errors


def form_of(spec: dict[str, Any], admin: bool) -> dict[str, str]:
    """A saved spec as the form shows it (header values, often keys, to admins only)."""
    req, resp = spec["request"], spec["response"]
    auth, update = req.get("auth") or {}, spec.get("update_reference")
    refs = [f"{n} = {r['external_id']}" for n, r in resp.get("references", {}).items()]
    refs += [f"{n}.{p} = {path}" for n, r in resp.get("references", {}).items()
             for p, path in (r.get("properties") or {}).items()]
    dumped = {k: json.dumps(v, indent=2) if v else "" for k, v in
              (("body", req.get("body")), ("pagination", resp.get("pagination")), ("inputs", spec.get("inputs")))}
    return {**BLANK, **dumped, "name": spec["name"], "description": spec.get("description", ""),
            "object_type": spec["object_type"], "method": req.get("method", "GET"), "url": req["url"],
            "query": "\n".join(f"{k}={v}" for k, v in req.get("query", {}).items()),
            "headers": "\n".join(f"{k}: {v if admin else HIDDEN}" for k, v in req.get("headers", {}).items()),
            "auth_type": auth.get("type") or "", "auth_secret": auth.get("secret") or "",
            "auth_username": auth.get("username") or "", "auth_header": auth.get("header") or "",
            "timeout_s": f"{req.get('timeout_s', 10):g}", "records": resp["records"],
            "external_id": resp["external_id"], "references": "\n".join(refs), "match_on": resp.get("match_on") or "",
            "attributes": "\n".join(f"{k} = {v}" for k, v in resp.get("attributes", {}).items()),
            "update_reference": f"{update['on']}.{update['attribute']}" if update else "",
            "test_on": update["on"] if update else "Conversation"}
