"""Limits on what the Imports page accepts, before anything is read."""

from __future__ import annotations


def over_limit(sizes: dict[str, int], limit_bytes: int) -> list[str]:
    """The uploaded files (name -> size in bytes) larger than ``limit_bytes``."""
    return [name for name, size in sizes.items() if size > limit_bytes]
