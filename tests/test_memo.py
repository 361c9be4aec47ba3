"""services.core.memo.remembered: computed once per key while the caller keeps the memo."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from services.core.memo import remembered


def test_a_result_is_computed_once_per_key_even_when_empty() -> None:
    calls: list[str] = []

    def compute(key: str, result: list[int]) -> list[int]:
        calls.append(key)
        return result

    memo: dict[Hashable, Any] = {}
    assert remembered(memo, "a", lambda: compute("a", [])) == []
    assert remembered(memo, "a", lambda: compute("a", [1])) == []  # kept, even empty
    assert remembered(memo, "b", lambda: compute("b", [2])) == [2]
    assert calls == ["a", "b"]


def test_without_a_memo_every_call_computes() -> None:
    calls: list[int] = []

    def compute() -> int:
        calls.append(len(calls))
        return len(calls)

    assert [remembered(None, "a", compute) for _ in range(3)] == [1, 2, 3]
    assert calls == [0, 1, 2]
