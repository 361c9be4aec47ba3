"""Stored values and the words people use for them.

Every enumeration a person sees or types has one ``Choices``: the stored value (``llm_api``) and
its label (``LLM API``). Pages show the label; importers and forms accept either, in any case,
with spaces, hyphens or underscores.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

_SEPARATORS = re.compile(r"[\s_\-/]+")


def _words(text: str) -> str:
    return _SEPARATORS.sub(" ", text.strip().casefold()).strip()


class Choices(Mapping[str, str]):
    """Stored value -> label, in the order the choices are offered."""

    def __init__(self, what: str, labels: Mapping[str, str]) -> None:
        self.what = what
        self._labels = dict(labels)
        self._by_words: dict[str, str] = {}
        for value, label in self._labels.items():
            self._by_words[_words(value)] = value
            self._by_words[_words(label)] = value

    def __getitem__(self, value: str) -> str:
        return self._labels[value]

    def __iter__(self) -> Iterator[str]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)

    @property
    def values(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(self._labels)

    def label(self, value: str | None) -> str:
        """The label of a stored value; an unknown value is shown with its underscores gone."""
        if value is None:
            return ""
        return self._labels.get(value, value.replace("_", " "))

    def parse(self, text: str) -> str:
        """The stored value for what a person wrote (value or label); ValueError when none."""
        found = self._by_words.get(_words(text or ""))
        if found is None:
            offered = ", ".join(self._labels.values())
            raise ValueError(f"unknown {self.what} {text!r}: use one of {offered}")
        return found
