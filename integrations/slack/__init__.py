"""Slack, in Opsdesk's words: post a message, find a person, find a message we already posted.

The real adapter (``integrations.slack.web``) wraps slack-sdk's ``WebClient``; the fake
(``integrations.slack.fake``) keeps what was posted in memory. Both raise only the errors below,
so the worker never sees a vendor exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

# Slack's own limits: a section block's text and the top-level fallback text.
SECTION_TEXT_LIMIT_CHARS = 3000
# Bodies longer than this are trimmed by us, so Slack never answers msg_too_long.
BODY_LIMIT_CHARS = 9000
METADATA_EVENT_TYPE = "opsdesk_notification"


class SlackError(Exception):
    """Base of every error the Slack gateway raises."""


class RateLimited(SlackError):
    """Slack said 429; ``retry_after`` seconds must pass before the next call."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"Slack rate limited: retry after {retry_after:g} s")
        self.retry_after = retry_after


class AuthRevoked(SlackError):
    """The token is invalid or revoked: Slack is disconnected until an admin fixes it."""


class ChannelGone(SlackError):
    """The target cannot receive this message (not found, archived, bot not a member)."""


class Ambiguous(SlackError):
    """The call failed in a way where the message may have been posted anyway."""


class SlackFailure(SlackError):
    """Any other refusal by Slack; permanent for this message."""


@dataclass(frozen=True)
class SlackItem:
    """One reminder inside a message: a title, a plain-text body and a link to the record."""

    title: str
    body: str = ""
    link: str | None = None


@dataclass(frozen=True)
class SlackMessage:
    """A message to post: to a channel id (C…) or a person (U…), tagged with its outbox ids."""

    channel: str
    items: tuple[SlackItem, ...]
    outbox_ids: tuple[int, ...]
    heading: str | None = None


@dataclass(frozen=True)
class Delivery:
    """Where a message landed: the conversation id and Slack's message ``ts``."""

    channel: str
    ts: str

    @property
    def external_id(self) -> str:
        return f"{self.channel}:{self.ts}"


@dataclass
class SlackIdentity:
    team: str
    bot_user: str = ""
    extra: dict[str, str] = field(default_factory=dict)


class SlackGateway(Protocol):
    """What Opsdesk needs from Slack."""

    def check(self) -> SlackIdentity:
        """Who the token belongs to; raises AuthRevoked when it is no longer valid."""
        ...

    def find_user(self, email: str) -> str | None:
        """The Slack user id for an email address, or None when nobody has it."""
        ...

    def post(self, message: SlackMessage) -> Delivery:
        """Post ``message``; at most one message per call."""
        ...

    def find_message(
        self, channel: str, outbox_id: int, since: datetime | None = None
    ) -> Delivery | None:
        """Our earlier message for ``outbox_id`` in ``channel`` (posted after ``since``)."""
        ...
