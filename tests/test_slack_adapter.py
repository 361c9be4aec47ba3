"""The real Slack adapter (slack-sdk WebClient) against a local server speaking Slack's Web API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.slack import (
    Ambiguous,
    AuthRevoked,
    ChannelGone,
    SlackItem,
    SlackMessage,
)
from integrations.slack.blocks import outbox_ids_of, render
from integrations.slack.fake import FakeSlackGateway
from integrations.slack.web import WebSlackGateway, make_client
from tests.fake_servers import SLACK_TOKEN, SlackServer, slack_server


class Clock:
    """A monotonic clock that only moves when the adapter sleeps: waits are recorded, not slept."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def server() -> Iterator[SlackServer]:
    with slack_server() as s:
        yield s


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def gateway(server: SlackServer, clock: Clock) -> WebSlackGateway:
    return WebSlackGateway(
        make_client(SLACK_TOKEN, server.base_url, timeout_seconds=5), sleep=clock.sleep, clock=clock
    )


def message(
    channel: str = "C1", title: str = "Renew Acme", body: str = "by Friday", outbox_id: int = 7
) -> SlackMessage:
    return SlackMessage(
        channel=channel,
        items=(SlackItem(title, body, "https://ops.example/c?id=1"),),
        outbox_ids=(outbox_id,),
    )


def test_429_with_retry_after_is_waited_out_and_the_message_is_posted_once(
    server: SlackServer, gateway: WebSlackGateway, clock: Clock
) -> None:
    server.plan("chat.postMessage", ("429", 2), ("429", 2))
    delivery = gateway.post(message())
    assert [m["ts"] for m in server.posted("C1")] == [delivery.ts]
    assert clock.sleeps == [2.0, 2.0]


def test_forty_posts_to_one_channel_are_paced_about_one_a_second(
    server: SlackServer, gateway: WebSlackGateway, clock: Clock
) -> None:
    for i in range(40):
        gateway.post(message(outbox_id=i))
    assert len(server.posted("C1")) == 40
    assert len(clock.sleeps) == 39
    assert sum(clock.sleeps) == pytest.approx(39.0)
    # Another channel is not held back by the first one's pace.
    clock.sleeps.clear()
    gateway.post(message(channel="C2"))
    assert clock.sleeps == []


def test_a_dropped_connection_after_the_post_is_ambiguous_and_the_message_can_be_found(
    server: SlackServer, gateway: WebSlackGateway
) -> None:
    server.plan("chat.postMessage", ("drop",))
    with pytest.raises(Ambiguous):
        gateway.post(message(outbox_id=41))
    # slack-sdk's default handler would have re-sent; ours must not.
    assert len(server.posted("C1")) == 1
    found = gateway.find_message("C1", 41)
    assert found is not None and found.ts == server.posted("C1")[0]["ts"]
    assert gateway.find_message("C1", 42) is None


@pytest.mark.parametrize("code", ["invalid_auth", "token_revoked"])
def test_revoked_tokens_raise_auth_revoked_without_retrying(
    server: SlackServer, gateway: WebSlackGateway, code: str
) -> None:
    server.token_error = code
    with pytest.raises(AuthRevoked):
        gateway.post(message())
    with pytest.raises(AuthRevoked):
        gateway.check()
    assert len(server.calls_of("chat.postMessage")) == 1


@pytest.mark.parametrize("code", ["channel_not_found", "not_in_channel", "is_archived"])
def test_a_gone_channel_raises_channel_gone(
    server: SlackServer, gateway: WebSlackGateway, code: str
) -> None:
    server.gone["C9"] = code
    with pytest.raises(ChannelGone, match=code):
        gateway.post(message(channel="C9"))


def test_pings_mentions_and_html_are_posted_escaped(
    server: SlackServer, gateway: WebSlackGateway
) -> None:
    gateway.post(
        SlackMessage(
            channel="C1",
            items=(SlackItem("<!channel> pay now", "<@U123> a & b < c", None),),
            outbox_ids=(1,),
        )
    )
    posted = server.posted("C1")[0]
    everything = posted["text"] + "".join(
        b["text"]["text"] for b in posted["blocks"] if b["type"] == "section"
    )
    assert "<!channel>" not in everything and "<@U123>" not in everything
    assert "&lt;!channel&gt; pay now" in everything
    assert "&lt;@U123&gt; a &amp; b &lt; c" in everything


def test_a_45000_character_body_is_trimmed_and_accepted(
    server: SlackServer, gateway: WebSlackGateway
) -> None:
    gateway.post(message(body="x" * 45_000))
    posted = server.posted("C1")
    assert len(posted) == 1
    text = "".join(b["text"]["text"] for b in posted[0]["blocks"] if b["type"] == "section")
    assert len(text) < 12_000
    assert text.endswith("(trimmed; open the record in Opsdesk for the rest)")


def test_the_outbox_ids_travel_in_message_metadata(
    server: SlackServer, gateway: WebSlackGateway
) -> None:
    gateway.post(
        SlackMessage(
            channel="C1",
            items=(SlackItem("a"), SlackItem("b")),
            outbox_ids=(3, 4),
            heading="Opsdesk reminders",
        )
    )
    assert outbox_ids_of(server.posted("C1")[0]["metadata"]) == {3, 4}


def test_direct_messages_go_to_the_user_and_are_found_in_the_dm(
    server: SlackServer, gateway: WebSlackGateway
) -> None:
    server.users["ada@example.com"] = "UADA"
    assert gateway.find_user("ada@example.com") == "UADA"
    assert gateway.find_user("nobody@example.com") is None
    gateway.post(message(channel="UADA", outbox_id=5))
    fresh = WebSlackGateway(make_client(SLACK_TOKEN, server.base_url))
    found = fresh.find_message("UADA", 5)
    assert found is not None and found.channel == "DADA"


def test_the_fake_keeps_the_same_contract() -> None:
    fake = FakeSlackGateway(users={"ada@example.com": "UADA"}, gone_channels={"C9"})
    assert fake.find_user("ada@example.com") == "UADA"
    d = fake.post(message(channel="UADA", outbox_id=5))
    assert fake.find_message("UADA", 5) == d
    with pytest.raises(ChannelGone):
        fake.post(message(channel="C9"))
    fake.revoked = True
    with pytest.raises(AuthRevoked):
        fake.post(message())


def test_render_never_exceeds_block_limits() -> None:
    rendered = render(
        SlackMessage(
            channel="C1",
            items=tuple(SlackItem("t" * 500, "&" * 5000) for _ in range(30)),
            outbox_ids=(1,),
        )
    )
    assert len(rendered["blocks"]) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in rendered["blocks"])
