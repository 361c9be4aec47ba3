"""Block Kit for our messages: escaped text, trimmed to Slack's limits, metadata for look-ups."""

from __future__ import annotations

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


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


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
        # Escaping can lengthen the text; split after escaping so no entity is cut in a block.
        for chunk in _chunks(first, SECTION_TEXT_LIMIT_CHARS - 10):
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
