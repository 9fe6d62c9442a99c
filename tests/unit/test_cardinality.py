from service.domain.cardinality import Edge, plan_prune


def edge(holder, target, t):
    return Edge(holder=holder, target=target, written_at=t, rel=f"{holder}->{target}")


def test_the_most_recently_written_association_survives():
    edges = [edge("o1", "p1", 1), edge("o1", "p2", 3), edge("o1", "p3", 2), edge("o2", "p1", 1)]
    dropped = plan_prune(edges, holder_one=True, target_one=False)
    assert {(e.holder, e.target) for e in dropped} == {("o1", "p1"), ("o1", "p3")}


def test_ties_break_by_the_other_ends_id_and_both_sides_can_tighten():
    edges = [edge("a", "x", 5), edge("a", "y", 5), edge("b", "y", 9)]
    assert {(e.holder, e.target) for e in plan_prune(edges, holder_one=True, target_one=False)} == {("a", "x")}
    # holder side first: a keeps y; then target y keeps b (written later): a loses y too.
    both = plan_prune(edges, holder_one=True, target_one=True)
    assert {(e.holder, e.target) for e in both} == {("a", "x"), ("a", "y")}


def test_nothing_to_prune_when_relaxing_or_already_within_bounds():
    edges = [edge("a", "x", 1), edge("b", "y", 2)]
    assert plan_prune(edges, holder_one=True, target_one=True) == []
    assert plan_prune(edges + [edge("a", "y", 3)], holder_one=False, target_one=False) == []

