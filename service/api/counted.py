"""Counts of what is under way, keyed by token or workspace."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Hashable, Iterator


@contextlib.contextmanager
def counted(counter: Counter, key: Hashable) -> Iterator[None]:
    """``counter[key]`` one higher while the block runs; a key back at zero is dropped, so
    a counter keyed by caller does not keep every caller it ever saw."""
    counter[key] += 1
    try:
        yield
    finally:
        counter[key] -= 1
        if not counter[key]:
            del counter[key]
