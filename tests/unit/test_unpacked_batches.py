"""The feed's unpacked batches: read once, kept up to their bound, the oldest read let go."""

from __future__ import annotations

import json
import zlib

from service.store.events import Unpacked


def _batch(batch_id: str, n: int) -> dict:
    return {"id": batch_id, "events": zlib.compress(json.dumps([{"type": "object.created", "n": i}
                                                                  for i in range(n)]).encode())}


def _size(n: int) -> int:
    return len(json.dumps([{"type": "object.created", "n": i} for i in range(n)]))


def test_a_batch_is_unpacked_once_and_the_least_recently_read_goes_first():
    unpacked = Unpacked(kept=2 * _size(4) + _size(4) // 2)  # room for two batches of 4, not three
    first = unpacked("ws", _batch("b1", 4))
    assert first == [{"type": "object.created", "n": i} for i in range(4)]
    assert unpacked("ws", _batch("b1", 4)) is first  # kept: not unpacked again
    assert unpacked("other", _batch("b1", 4)) is not first  # another workspace's batch of that id
    unpacked("ws", _batch("b1", 4))  # read again: now the newest
    unpacked("ws", _batch("b2", 4))  # a third: the least recently read ("other", b1) goes
    assert set(unpacked.batches) == {("ws", "b1"), ("ws", "b2")} and unpacked.size == 2 * _size(4)


def test_a_batch_larger_than_the_bound_is_still_kept_alone():
    unpacked = Unpacked(kept=_size(10))
    unpacked("ws", _batch("small", 2))
    unpacked("ws", _batch("big", 50))
    assert list(unpacked.batches) == [("ws", "big")] and unpacked.size == _size(50)
