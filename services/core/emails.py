"""Email addresses as people type and paste them, checked by ``email-validator``.

One address: ``check_address``. A pasted list (``a@x.example; b@x.example``, commas, spaces,
new lines, ``Name <addr>`` and ``"Last, First" <addr>``): ``split_addresses``. Both refuse
addresses that cannot receive mail from the outside world: bad syntax, a domain without a dot,
and special-use domains such as ``localhost``, ``.local``, ``.test`` and ``.invalid``. No DNS
look-up is made (no network from services), so a well-formed address at a domain that does not
exist is accepted.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

MAX_ADDRESS_CHARS = 254  # RFC 5321's limit for a forward path
# A quoted display name, an <address>, a run of anything else; separators are dropped.
_TOKEN = re.compile(r'"[^"]*"|<[^<>]*>|[^\s,;<>"]+|[<>"]')


class EmailError(ValueError):
    """An address (or a piece of a pasted list) that Opsdesk will not send to."""


def check_address(text: str) -> str:
    """``text`` as one deliverable address, lower-cased; EmailError names it otherwise."""
    raw = (text or "").strip()
    if not raw:
        raise EmailError("an email address is required")
    if len(raw) > MAX_ADDRESS_CHARS:
        raise EmailError(f"{raw[:60]}… is too long for an email address")
    try:
        checked = validate_email(raw, check_deliverability=False, allow_display_name=False)
    except EmailNotValidError as exc:
        raise EmailError(f"{raw} is not an email address Opsdesk can send to: {exc}") from exc
    return checked.normalized.lower()


def split_addresses(text: str) -> list[str]:
    """Every address in a pasted list, checked, lower-cased, first occurrence kept.

    Display names are dropped; a word that is neither an address nor a name before ``<addr>``
    is refused rather than guessed at.
    """
    out: list[str] = []
    name: list[str] = []
    for token in _TOKEN.findall(text or ""):
        if token.startswith("<") and token.endswith(">") and len(token) > 1:
            out.append(check_address(token[1:-1]))
            name = []
        elif token.startswith('"') and token.endswith('"') and len(token) > 1:
            name.append(token)
        elif token in ("<", ">", '"'):
            raise EmailError(f"unbalanced {token!r} in {text.strip()[:80]!r}")
        elif "@" in token:
            if name:
                raise EmailError(_not_an_address(" ".join(name)))
            out.append(check_address(token))
        else:
            name.append(token)
    if name:
        raise EmailError(_not_an_address(" ".join(name)))
    return list(dict.fromkeys(out))


def _not_an_address(words: str) -> str:
    return (
        f"{words} is not an email address (write a name as Name <address>, "
        "and separate addresses with commas, semicolons, spaces or new lines)"
    )


def check_one(text: str) -> str:
    """A field that holds exactly one address; a pasted list there is refused, not truncated."""
    addresses = split_addresses(text)
    if not addresses:
        raise EmailError("an email address is required")
    if len(addresses) > 1:
        raise EmailError(
            f"one email address only here, got {len(addresses)}: {', '.join(addresses)}"
        )
    return addresses[0]
