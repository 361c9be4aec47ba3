"""Results kept between calls in a memo the caller owns (a page keeps one per data version)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, MutableMapping
from typing import Any, TypeVar

T = TypeVar("T")

Memo = MutableMapping[Hashable, Any]


def remembered(memo: Memo | None, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, kept in ``memo`` under ``key`` when the caller gave a memo.

    The caller gives a fresh memo whenever the data ``compute`` reads changes, and puts every
    other input (a period, a role's view of money) in ``key``. Check permissions before this:
    a warm memo skips ``compute`` and anything in it.
    """
    if memo is None:
        return compute()
    found = memo.get(key)
    if found is None:
        found = memo[key] = compute()
    return found
