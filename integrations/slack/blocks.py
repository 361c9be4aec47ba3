"""Block Kit for our messages: escaped text, trimmed to Slack's limits, metadata for look-ups."""

from __future__ import annotations

import re
from typing import Any

from integrations.slack import (
    BODY_LIMIT_CHARS,
    METADATA_EVENT_TYPE,
    SECTION_TEXT_LIMIT_CHARS,
    SlackMessage,
)

TRIM_NOTE = "… (trimmed; open the record in Opsdesk for the rest)"
# Slack allows 50 blocks per message; keep room for the heading and links.
MAX_BLOCKS = 45


def escape(text: str) -> str:
    """Slack's three control characters escaped: no ``<!channel>`` pings, no injected links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def trim(text: str, limit: int = BODY_LIMIT_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - len(TRIM_NOTE)] + TRIM_NOTE


# What a split must never cut: an entity (&lt; &amp; &#123;), and anything in angle brackets
# (a <url|label> link, a <@U123> mention, a <!here>). Cutting one shows Slack users `&lt` or a
# broken link.
_ATOMIC = re.compile(r"&#?[A-Za-z0-9]{1,10};|<[^<>\n]{1,1000}>")


def _unsafe_cuts(text: str) -> set[int]:
    """Offsets that fall strictly inside an entity, a link or a mention."""
    inside: set[int] = set()
    for match in _ATOMIC.finditer(text):
        inside.update(range(match.start() + 1, match.end()))
    return inside


def _cut(text: str, start: int, size: int, unsafe: set[int]) -> int:
    """Where the chunk beginning at ``start`` ends: after a line, else a word, else any safe
    offset; a single unbreakable run longer than ``size`` is cut at ``size``."""
    end = start + size
    if end >= len(text):
        return len(text)
    safe = [i for i in range(end, start, -1) if i not in unsafe]
    for boundary in ("\n", " "):
        for i in safe:
            if text[i - 1] == boundary:
                return i
    return safe[0] if safe else end


def split_text(text: str, size: int) -> list[str]:
    """``text`` in pieces of at most ``size`` characters, cut only at safe offsets."""
    unsafe = _unsafe_cuts(text)
    chunks: list[str] = []
    start = 0
    while start < len(text):
        end = _cut(text, start, size, unsafe)
        chunks.append(text[start:end])
        start = end
    return chunks or [""]


def _link(url: str) -> str:
    # Inside <url|label> the URL's own & < > must be escaped too; `|` would end the URL.
    return f"<{escape(url).replace('|', '%7C')}|Open in Opsdesk>"


def render(message: SlackMessage) -> dict[str, Any]:
    """Keyword arguments for ``chat.postMessage``: fallback text, blocks and metadata."""
    blocks: list[dict[str, Any]] = []
    if message.heading:
        blocks.append(
            {"type": "header", "text": {"type": "plain_text", "text": message.heading[:150]}}
        )
    per_item = max(500, BODY_LIMIT_CHARS // max(1, len(message.items)))
    for item in message.items:
        if len(blocks) >= MAX_BLOCKS:
            break
        title = escape(trim(item.title, 300))
        body = escape(trim(item.body, per_item))
        first = f"*{title}*" + (f"\n{body}" if body else "")
        # Escaping can lengthen the text, so split after escaping, at safe offsets only.
        for chunk in split_text(first, SECTION_TEXT_LIMIT_CHARS - 10):
            if len(blocks) >= MAX_BLOCKS:
                break
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})
        if item.link:
            blocks.append(
                {"type": "context", "elements": [{"type": "mrkdwn", "text": _link(item.link)}]}
            )
    titles = "; ".join(trim(i.title, 200) for i in message.items)
    fallback = escape(trim(message.heading + ": " + titles if message.heading else titles, 2000))
    return {
        "text": fallback,
        "blocks": blocks,
        "unfurl_links": False,
        "unfurl_media": False,
        "metadata": {
            "event_type": METADATA_EVENT_TYPE,
            "event_payload": {"outbox_ids": ",".join(str(i) for i in message.outbox_ids)},
        },
    }


def outbox_ids_of(metadata: dict[str, Any] | None) -> set[int]:
    """The outbox ids a message's metadata names (empty for anybody else's message)."""
    if not metadata or metadata.get("event_type") != METADATA_EVENT_TYPE:
        return set()
    raw = str((metadata.get("event_payload") or {}).get("outbox_ids", ""))
    return {int(part) for part in raw.split(",") if part.strip().isdigit()}
