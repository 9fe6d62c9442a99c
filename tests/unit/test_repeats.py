"""Issue 32: records that name one object more than once are folded into one, the later
values and references winning; each record given still finds its object's outcome."""

from service.domain.records import CheckedRecord, TargetRef
from service.domain.repeats import fold_repeats


def record(index, external_id, refs=None, reassign=False, **props):
    return CheckedRecord(index=index, external_id=external_id, props=props, references=refs or {},
                         reassign=reassign, given=set(props) | set(refs or {}))


def test_no_object_named_twice_folds_nothing():
    assert fold_repeats([record(0, "a", total=1.0), record(1, "b"), record(2, None), record(3, None)]) is None


def test_later_values_and_references_win_and_earlier_ones_stay():
    c0, c1 = [TargetRef(external_id="c0")], [TargetRef(external_id="c1")]
    given = [record(0, "X", {"customer": c1}, total=6.0, quantity=2), record(1, "Y", total=1.0),
             record(2, "X", {"customer": c0}, total=5.0), record(3, None), record(4, "X", note=None)]
    folded = fold_repeats(given)
    assert [r.external_id for r in folded.records] == ["X", "Y", None]
    x = folded.records[0]
    assert (x.index, x.props, x.references, x.given) == (
        4, {"total": 5.0, "quantity": 2, "note": None}, {"customer": c0}, {"total", "quantity", "note", "customer"})
    assert folded.of == [0, 1, 0, 2, 0] and folded.last == [False, True, False, True, True]
    ids, created, changed = folded.spread(["x", "y", "z"], [True, False, True], [True, False, True])
    assert ids == ["x", "y", "x", "z", "x"]
    assert created == [False, False, False, True, True] and changed == created  # counted once, on the last


def test_match_on_folds_by_the_matched_value_and_keeps_an_external_id_given():
    folded = fold_repeats([record(0, "k1", _u_email="a@x", score=6.0), record(1, None, _u_email="a@x", score=5.0),
                           record(2, None, _u_email="b@x")], "_u_email")
    assert [(r.external_id, r.props["score"] if "score" in r.props else None) for r in folded.records] == [
        ("k1", 5.0), (None, None)]


def test_reassign_follows_the_references_it_came_with():
    ref = [TargetRef(external_id="t")]
    assert fold_repeats([record(0, "X", {"a": ref}, reassign=True), record(1, "X", {"b": ref})]).records[0].reassign
    assert not fold_repeats([record(0, "X", {"a": ref}, reassign=True), record(1, "X", {"a": ref})]).records[0].reassign
