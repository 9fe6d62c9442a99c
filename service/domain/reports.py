"""Named reports: read-only Cypher files documented by their header comment; pure.

A report is ``cypher/reports/<name>.cypher`` (or ``REFGRAPH_REPORTS_DIR/<name>.cypher``). Its leading ``//`` comment is its
documentation: the first line a title, ``@param`` lines its parameters, the rest a
description::

    // Passports expiring before a date
    // Which passports run out before the given date, soonest first, with their holder.
    // @param before date : the first day that no longer counts as expiring
    // @param limit integer = 100 : at most this many rows

Every report runs with ``$workspace`` set to the caller's workspace and must use it; a
parameter the text uses but the header does not declare is an error at load time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from service.domain.data_types import (
    REGISTRY,
    REPORT_PARAMETER_TYPES,
    ValueProblem,
    rules_for,
)
from service.domain.schema import DataType
from service.errors import InvalidInput

NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
PARAM = re.compile(
    r"^@param\s+(?P<name>[a-z][a-z0-9_]*)\s+(?P<type>\w+)(?:\s*=\s*(?P<default>\S+))?\s*:\s*(?P<description>.*)$")
USED_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ReportDefinitionError(ValueError):
    """A report file that cannot be served: refgraph refuses to start with it."""


@dataclass(frozen=True)
class ReportParam:
    name: str
    data_type: DataType
    description: str
    default: Any = None  # already converted; None: required

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    description: str
    params: tuple[ReportParam, ...]
    text: str

    def bind(self, given: dict[str, str]) -> dict[str, Any]:
        """Query-string values converted to each parameter's type (422 naming every
        unknown, missing or badly typed parameter), plus nothing else."""
        declared = {p.name: p for p in self.params}
        problems = [f"unknown parameter {name!r}" for name in given if name not in declared]
        bound: dict[str, Any] = {}
        for param in self.params:
            if param.name not in given:
                if param.required:
                    problems.append(f"{param.name} is required ({param.data_type.value}: {param.description})")
                bound[param.name] = param.default
                continue
            try:
                bound[param.name] = rules_for(param.data_type).parse(given[param.name])
            except ValueProblem as exc:
                problems.append(f"{param.name} must be {param.data_type.value}: {exc}")
        if problems:
            raise InvalidInput(f"report {self.name}: " + "; ".join(problems), code="invalid_parameter",
                               details={"report": self.name, "problems": problems,
                                        "params": [p.name for p in self.params]})
        return bound


def parse_report(name: str, text: str) -> Report:
    if not NAME.match(name):
        raise ReportDefinitionError(f"report file name {name!r} must match {NAME.pattern}")
    header, body = [], []
    for line in text.splitlines():
        stripped = line.strip()
        if not body and stripped.startswith("//"):
            header.append(stripped[2:].strip())
        else:
            body.append(line)
    if not header or not header[0]:
        raise ReportDefinitionError(f"report {name}: the first line must be a // title comment")
    params, description = [], []
    for line in header[1:]:
        if line.startswith("@param"):
            params.append(_param(name, line))
        else:
            description.append(line)
    query = "\n".join(body)
    used = set(USED_PARAM.findall(_without_comments(query)))
    if "workspace" not in used:
        raise ReportDefinitionError(f"report {name} does not use $workspace: it would read every workspace")
    undeclared = used - {"workspace"} - {p.name for p in params}
    if undeclared:
        raise ReportDefinitionError(f"report {name} uses undeclared parameters {sorted(undeclared)}")
    return Report(name=name, title=header[0], description=" ".join(d for d in description if d),
                  params=tuple(params), text=query)


def _param(report: str, line: str) -> ReportParam:
    match = PARAM.match(line)
    if match is None:
        raise ReportDefinitionError(f"report {report}: {line!r} is not '@param name type [= default] : description'")
    try:
        data_type = DataType(match["type"])
    except ValueError:
        data_type = None
    if data_type not in REGISTRY or not REGISTRY[data_type].report_parameter:
        raise ReportDefinitionError(f"report {report}: parameter type {match['type']!r} is not one of "
                                    f"{REPORT_PARAMETER_TYPES}")
    default = None
    if match["default"] is not None:
        try:
            default = rules_for(data_type).parse(match["default"])
        except ValueProblem as exc:
            raise ReportDefinitionError(f"report {report}: default of {match['name']}: {exc}") from None
    return ReportParam(name=match["name"], data_type=data_type, description=match["description"].strip(),
                       default=default)


def _without_comments(query: str) -> str:
    return "\n".join(line.split("//", 1)[0] for line in query.splitlines())


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: nothing for null; text a spreadsheet would run as a formula
    (it starts with ``= + - @``, a tab or a carriage return) behind a single quote, as
    OWASP advises, so it opens as text; anything else as it is (-12.5 stays a number)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
