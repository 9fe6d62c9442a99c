import datetime as dt

import pytest

from service.config import CYPHER
from service.domain.reports import ReportDefinitionError, csv_cell, parse_report
from service.errors import InvalidInput
from service.store.reports import load_reports

GOOD = """// Passports expiring before a date
// Which passports run out first.
// @param before date : the first day that no longer counts
// @param limit integer = 100 : at most this many rows
MATCH (x:Passport {workspace: $workspace}) WHERE x.expires_on < $before
RETURN x.id AS id LIMIT $limit
"""


def test_the_header_documents_the_report_and_its_parameters():
    report = parse_report("passports_expiring", GOOD)
    assert report.title == "Passports expiring before a date"
    assert report.description == "Which passports run out first."
    assert [(p.name, p.data_type.value, p.required, p.default) for p in report.params] == [
        ("before", "date", True, None), ("limit", "integer", False, 100)]
    assert report.bind({"before": "2027-01-01"}) == {"before": dt.date(2027, 1, 1), "limit": 100}


def test_binding_names_every_bad_parameter():
    report = parse_report("passports_expiring", GOOD)
    with pytest.raises(InvalidInput) as caught:
        report.bind({"limit": "many", "colour": "red"})
    problems = caught.value.details["problems"]
    assert any("colour" in p for p in problems) and any("before is required" in p for p in problems)
    assert any("limit must be integer" in p for p in problems)


@pytest.mark.parametrize("text, message", [
    ("MATCH (n) RETURN n", "title"),
    ("// All\nMATCH (n:Person) RETURN n", r"does not use \$workspace"),
    ("// Some\nMATCH (n:Person {workspace: $workspace}) WHERE n.x = $x RETURN n", "undeclared"),
    ("// Some\n// @param x colour : what\nMATCH (n {workspace: $workspace}) RETURN n", "not one of"),
    ("// Some\n// @param x integer = abc : what\nMATCH (n {workspace: $workspace}) RETURN n", "default"),
])
def test_a_report_that_cannot_be_served_is_refused_at_load(text, message):
    with pytest.raises(ReportDefinitionError, match=message):
        parse_report("some_report", text)


def test_every_shipped_report_loads_and_is_documented():
    reports = load_reports(CYPHER)
    assert len(reports) >= 6
    assert all(r.title and r.description for r in reports.values())


def test_a_csv_cell_a_spreadsheet_would_run_is_quoted_and_numbers_stay_numbers():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x.invalid","Click")'):
        assert csv_cell(text) == "'" + text
    for value, cell in ((-12.5, -12.5), (-3, -3), (0, 0), (None, ""), ("Ada", "Ada"), ("a=b", "a=b"), ("", ""),
                        (True, True), ([1, -2], [1, -2])):
        assert csv_cell(value) == cell
