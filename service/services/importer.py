"""``refgraph import``: a large JSONL or CSV file into one type, through the batch route.

Each line is one record. JSONL lines are records as the API takes them
(``{"external_id": ..., "attributes": {...}, "references": {...}}``). A CSV file has a
header: ``external_id``, attribute names, and ``references.<attribute>`` columns holding
the target's external id; cells are converted to the attribute's data type and an
empty cell is left out.

What is written: records go in batches (all-or-nothing each, as the API writes them).
A line that cannot be read, or that the API refuses, is reported with its line number
and reason; the rest of its batch is sent again without it, so every good line is
written. Records are upserts by ``external_id``: running the same file again writes
nothing (each record is counted ``unchanged`` and its ``updated_at`` stays), and the
refused lines (``--rejects FILE``), once fixed, can simply be imported.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from service.domain.data_types import REGISTRY, ValueProblem, rules_for
from service.domain.schema import DataType
from service.domain.suggest import did_you_mean

DEFAULT_BATCH = 1_000
DATA_TYPES = {t.value for t in REGISTRY}  # the attribute types a CSV cell is parsed as


@dataclass
class Line:
    number: int  # 1-based, in the file (a CSV header is line 1)
    record: dict[str, Any] | None
    problem: str | None = None
    text: str = ""  # the line as in the file (a CSV row as CSV), for --rejects


@dataclass
class Summary:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0  # records whose object already held every value: nothing written
    failed: dict[int, str] = field(default_factory=dict)  # line number -> reason
    rejected: dict[int, str] = field(default_factory=dict)  # line number -> the line's text
    header: str | None = None  # a CSV file's header line

    @property
    def ok(self) -> bool:
        return not self.failed

    def refuse(self, line: Line, reason: str) -> None:
        self.failed[line.number] = reason
        self.rejected[line.number] = line.text

    def write_rejects(self, path: Path) -> None:
        """The refused lines, as they were in the file (a CSV file's header first): fix
        them and import this file."""
        with path.open("w", encoding="utf-8", newline="") as f:
            if self.header is not None:
                f.write(self.header)
            for number in sorted(self.rejected):
                f.write(self.rejected[number])

    def as_dict(self) -> dict[str, Any]:
        return {"read": self.read, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged,
                "failed": [{"line": n, "problem": p} for n, p in sorted(self.failed.items())]}


def read_lines(path: Path, types: dict[str, str]) -> Iterator[Line]:
    """The file's records; ``types``: attribute name -> data type, to convert CSV cells."""
    if path.suffix.lower() == ".csv":
        yield from _csv_lines(path, types)
    else:
        yield from _jsonl_lines(path)


def record_count(path: Path) -> int:
    """How many records ``read_lines`` will give (a progress bar's total): a CSV's rows
    after its header (a quoted cell may span lines), a JSONL file's lines that are not blank."""
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        if path.suffix.lower() == ".csv":
            return max(0, sum(1 for row in csv.reader(f) if row) - 1)  # DictReader skips blank rows
        return sum(1 for text in f if text.strip())


def _jsonl_lines(path: Path) -> Iterator[Line]:
    with path.open(encoding="utf-8") as f:
        for number, text in enumerate(f, start=1):
            if not text.strip():
                continue
            text = text if text.endswith("\n") else text + "\n"
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                yield Line(number, None, f"not JSON: {exc.msg} at column {exc.colno}", text)
                continue
            if not isinstance(record, dict):
                yield Line(number, None, "not a JSON object", text)
                continue
            yield Line(number, record, text=text)


def _csv_row(fields: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(fields)
    return out.getvalue()


def csv_header(path: Path) -> str | None:
    if path.suffix.lower() != ".csv":
        return None
    with path.open(encoding="utf-8", newline="") as f:
        return _csv_row(next(csv.reader(f), []))


def _csv_lines(path: Path, types: dict[str, str]) -> Iterator[Line]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        for row in reader:
            number = reader.line_num
            text = _csv_row([row.get(name) or "" for name in reader.fieldnames or []])
            record: dict[str, Any] = {"attributes": {}, "references": {}}
            try:
                for column, cell in row.items():
                    if column is None or cell is None or cell == "":
                        continue
                    if column == "external_id":
                        record["external_id"] = cell
                    elif column.startswith("references."):
                        record["references"][column.removeprefix("references.")] = {"external_id": cell}
                    else:
                        record["attributes"][column] = _cell(types.get(column), cell, column)
            except ValueError as exc:
                yield Line(number, None, str(exc), text)
                continue
            yield Line(number, record, text=text)


def _cell(data_type: str | None, cell: str, column: str) -> Any:
    """A CSV cell as the JSON value the attribute takes (the server checks the rest)."""
    if data_type not in DATA_TYPES:
        return cell
    try:
        return rules_for(DataType(data_type)).from_text(cell)
    except ValueProblem as exc:
        raise ValueError(f"{column}: {exc}") from None


def refused(response: httpx.Response) -> dict[int, str]:
    """Record index -> reason from a batch's 422 (domain errors carry ``index``,
    request-shape errors a ``loc`` of body.records.<index>...)."""
    out: dict[int, str] = {}
    for error in response.json().get("error", {}).get("details", {}).get("errors", []):
        index = error.get("index")
        loc = error.get("loc") or []
        if index is None and len(loc) > 2 and loc[:2] == ["body", "records"]:
            index = loc[2]
            error = {"message": f"{'.'.join(str(p) for p in loc[3:])}: {error.get('message')}"}
        if isinstance(index, int):
            out.setdefault(index, error.get("message", "refused"))
    return out


def import_file(client: httpx.Client, type_name: str, path: Path, *, batch: int = DEFAULT_BATCH,
                progress: Callable[[int], None] = lambda n: None, match_on: str | None = None) -> Summary:
    """Send the file in batches (each record's object found by ``match_on``, a unique
    attribute, when given, else by external_id); ``progress(lines)`` after each."""
    response = client.get(f"/v1/types/{type_name}")
    if response.status_code != 200:
        raise ImportFailed(_message(response))
    types = {a["name"]: a["data_type"] for a in response.json()["attributes"]}
    summary, pending = Summary(header=csv_header(path)), []
    _check_columns(summary.header, type_name, types)
    for line in read_lines(path, types):
        summary.read += 1
        if line.problem:
            summary.refuse(line, line.problem)
        else:
            pending.append(line)
        if len(pending) == batch:
            _send(client, type_name, pending, summary, match_on)
            progress(summary.read)
            pending = []
    if pending:
        _send(client, type_name, pending, summary, match_on)
    progress(summary.read)
    return summary


def _check_columns(header: str | None, type_name: str, types: dict[str, str]) -> None:
    """``ImportFailed`` naming a CSV column that is not the type's, said once before
    anything is sent (not once a line)."""
    if header is None:
        return
    references = [f"references.{name}" for name, data_type in types.items() if data_type == "reference"]
    columns = ["external_id", *(name for name, data_type in types.items() if data_type != "reference"), *references]
    for column in next(csv.reader([header])):
        if column and column not in columns:
            raise ImportFailed(f"the column {column!r} is not an attribute of {type_name}"
                               f"{did_you_mean(column, columns)}; its columns can be {', '.join(columns)}. "
                               "Nothing was imported.")


class ImportFailed(Exception):
    """The import cannot go on (no such type, API unreachable, a server error)."""


def _send(client: httpx.Client, type_name: str, lines: list[Line], summary: Summary, match_on: str | None) -> None:
    """One batch; records the API refuses are reported and the rest sent again (each
    round drops at least one line, so this ends)."""
    while lines:
        response = _post(client, f"/v1/objects/{type_name}/batch", {"records": [x.record for x in lines]},
                         {"match_on": match_on} if match_on else None)
        if response.status_code == 200:
            body = response.json()
            summary.created += body["created"]
            summary.updated += body["updated"]
            summary.unchanged += body.get("unchanged", 0)
            return
        bad = refused(response) if response.status_code == 422 else {}
        if not bad:
            raise ImportFailed(f"batch of lines {lines[0].number}-{lines[-1].number}: {_message(response)}")
        for index, reason in bad.items():
            summary.refuse(lines[index], reason)
        lines = [x for i, x in enumerate(lines) if i not in bad]


BUSY_TRIES = 60  # a batch the server had no room for (429, 503 over_capacity) is sent again


def _post(client: httpx.Client, path: str, body: dict, params: dict | None) -> httpx.Response:
    """The batch sent, and sent again after ``Retry-After`` while the server answers that it
    did not start it for want of room (another import of the workspace holds its batch
    slot, say). Nothing else is sent again: a batch that timed out or lost its database
    connection may have been written."""
    for _ in range(BUSY_TRIES):
        response = client.post(path, json=body, params=params)
        wait = response.headers.get("retry-after", "")
        if not (_not_started(response) and wait.isdigit()):
            return response
        time.sleep(min(int(wait), 30))
    return response


def _not_started(response: httpx.Response) -> bool:
    if response.status_code == 429:
        return True
    if response.status_code != 503:
        return False
    try:
        return response.json()["error"]["code"] == "over_capacity"
    except (ValueError, KeyError, TypeError):
        return False


def _message(response: httpx.Response) -> str:
    try:
        return f"{response.status_code} {response.json()['error']['message']}"
    except (ValueError, KeyError, TypeError):
        return f"{response.status_code} {response.text[:200]}"
