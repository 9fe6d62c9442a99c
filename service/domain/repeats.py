"""A write that names one object more than once (the same external id, or with
``?match_on=`` the same value) is written as one record per object: its records merged in
their order, so each record's values and references win over the earlier records' (as if
they were written one after the other), compared with the graph once. Pure: no I/O.

Compared record by record instead, a later record that gives back what the graph held
before the write looks unchanged and is skipped, and the earlier record's value stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.domain.records import CheckedRecord


@dataclass(frozen=True)
class Folded:
    records: list[CheckedRecord]  # one per object, where the write first names it
    of: list[int]  # for each record given, its object's position in ``records``
    last: list[bool]  # whether a record given is its object's last: the one its outcome is counted on

    def spread(self, ids: list[str], created: list[bool],
               changed: list[bool]) -> tuple[list[str], list[bool], list[bool]]:
        """Each object's outcome as the records given see it: every record its object's id;
        whether it was created or changed on its last record only (the others count as
        unchanged, so a batch's counts add up to the objects it wrote)."""
        return ([ids[p] for p in self.of], [created[p] and last for p, last in zip(self.of, self.last)],
                [changed[p] and last for p, last in zip(self.of, self.last)])


def fold_repeats(records: list[CheckedRecord], match_key: str | None = None) -> Folded | None:
    """``records`` with each object's records merged into one (None: no object is named
    twice, the common case, found with one set). ``match_key``: the property ``?match_on=``
    finds objects by; else the external id (records without one are never merged)."""
    keys = [r.props.get(match_key) if match_key else r.external_id for r in records]
    named = [k for k in keys if k is not None]
    if len(set(named)) == len(named):
        return None
    folded: list[CheckedRecord] = []
    position: dict[Any, int] = {}
    of = []
    for record, key in zip(records, keys):
        at = position.get(key) if key is not None else None
        if at is None:
            at = len(folded)
            folded.append(record)
            if key is not None:
                position[key] = at
        else:
            folded[at] = merged(folded[at], record)
        of.append(at)
    final = {at: n for n, at in enumerate(of)}  # the last record given of each object
    return Folded(folded, of, [final[at] == n for n, at in enumerate(of)])


def merged(earlier: CheckedRecord, later: CheckedRecord) -> CheckedRecord:
    """Two records of one object as one: the later one's values and references win; its
    index is the later one's (a problem found after the merge names the last record)."""
    kept = set(earlier.references) - set(later.references)  # references only the earlier one sets
    return CheckedRecord(
        index=later.index, external_id=later.external_id if later.external_id is not None else earlier.external_id,
        props={**earlier.props, **later.props}, references={**earlier.references, **later.references},
        reassign=(later.reassign and bool(later.references)) or (earlier.reassign and bool(kept)),
        given=earlier.given | later.given)
