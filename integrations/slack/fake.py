"""A Slack that lives in memory: records what was posted, so tests and demos assert outcomes."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime

from integrations.slack import (
    AuthRevoked,
    ChannelGone,
    Delivery,
    SlackIdentity,
    SlackMessage,
)
from integrations.slack.blocks import render


@dataclass
class FakeSlackGateway:
    users: dict[str, str] = field(default_factory=dict)  # email -> user id
    gone_channels: set[str] = field(default_factory=set)
    revoked: bool = False
    posted: list[tuple[Delivery, SlackMessage]] = field(default_factory=list)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def check(self) -> SlackIdentity:
        if self.revoked:
            raise AuthRevoked("token_revoked")
        return SlackIdentity(team="Fake workspace", bot_user="UFAKEBOT")

    def find_user(self, email: str) -> str | None:
        if self.revoked:
            raise AuthRevoked("token_revoked")
        return self.users.get(email.lower())

    def post(self, message: SlackMessage) -> Delivery:
        if self.revoked:
            raise AuthRevoked("token_revoked")
        if message.channel in self.gone_channels:
            raise ChannelGone("channel_not_found")
        render(message)  # the same rendering the real adapter sends; raises on bad input
        channel = "D" + message.channel[1:] if message.channel.startswith("U") else message.channel
        delivery = Delivery(channel=channel, ts=f"{1700000000 + next(self._ts)}.000100")
        self.posted.append((delivery, message))
        return delivery

    def find_message(
        self, channel: str, outbox_id: int, since: datetime | None = None
    ) -> Delivery | None:
        wanted = "D" + channel[1:] if channel.startswith("U") else channel
        for delivery, message in self.posted:
            if delivery.channel == wanted and outbox_id in message.outbox_ids:
                return delivery
        return None
