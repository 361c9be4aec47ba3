"""Slack text is split into section blocks only where no entity, link or mention is cut."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.slack import SECTION_TEXT_LIMIT_CHARS, SlackItem, SlackMessage
from integrations.slack.blocks import escape, render, split_text

# A well-formed piece of Slack mrkdwn that must arrive whole in one block.
ATOMS = re.compile(r"&(amp|lt|gt|#[0-9]+);|<[^<>\n]+>")


def _sections(body: str, title: str = "Vendor note") -> list[str]:
    rendered = render(SlackMessage(channel="C1", items=(SlackItem(title, body),), outbox_ids=(1,)))
    return [b["text"]["text"] for b in rendered["blocks"] if b["type"] == "section"]


def _assert_whole(chunk: str) -> None:
    """Every & starts a complete entity and every < closes within the chunk."""
    rest = ATOMS.sub("", chunk)
    assert "&" not in rest and "<" not in rest and ">" not in rest, chunk[:80] + "…" + chunk[-80:]


def test_a_long_body_of_markup_is_never_split_inside_an_entity() -> None:
    # The reported case: 4000+ escaped characters of "<b>vendor</b>" with no spaces.
    sections = _sections("<b>vendor</b>" * 400)
    assert len(sections) > 1
    for text in sections:
        _assert_whole(text)
        assert len(text) <= SECTION_TEXT_LIMIT_CHARS
    assert "".join(sections).endswith("&lt;b&gt;vendor&lt;/b&gt;")


def test_links_and_mentions_in_prepared_text_are_never_cut() -> None:
    text = ("<https://opsdesk.example/m/1|Open meeting> <@U12345> " * 200).strip()
    chunks = split_text(text, 500)
    assert "".join(chunks) == text
    for chunk in chunks:
        _assert_whole(chunk)
        assert len(chunk) <= 500


def test_a_split_prefers_the_end_of_a_line_then_a_word() -> None:
    text = "alpha beta\n" + "gamma " * 10
    assert split_text(text, 14)[0] == "alpha beta\n"
    assert split_text("one two three", 9) == ["one two ", "three"]


SLACK_TEXT = st.text(alphabet=st.sampled_from([*"ab &<>|@!#;:/\n*_", "é", "🙂"]), max_size=9000)


@settings(max_examples=150, deadline=None)
@given(raw=SLACK_TEXT)
def test_any_escaped_text_splits_into_whole_pieces_within_the_limit(raw: str) -> None:
    escaped = escape(raw)
    chunks = split_text(escaped, 300)
    assert "".join(chunks) == escaped
    for chunk in chunks:
        assert 0 < len(chunk) <= 300 or escaped == ""
        _assert_whole(chunk)


LINK = r"<https://[a-z]{1,20}\.example/[a-z0-9]{0,30}\|[a-z ]{1,20}>"
PREPARED = st.lists(
    st.one_of(
        st.text(alphabet="abc \n", min_size=1, max_size=40).map(escape),
        st.from_regex(r"<@U[0-9A-Z]{4,10}>", fullmatch=True),
        st.from_regex(LINK, fullmatch=True),
        st.sampled_from(["&amp;", "&lt;", "&gt;", "&#8212;"]),
    ),
    max_size=400,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(text=PREPARED, size=st.integers(min_value=80, max_value=3000))
def test_any_mix_of_links_mentions_and_entities_is_cut_between_them(text: str, size: int) -> None:
    chunks = split_text(text, size)
    assert "".join(chunks) == text
    for chunk in chunks:
        assert len(chunk) <= size
        _assert_whole(chunk)


@settings(max_examples=60, deadline=None)
@given(raw=SLACK_TEXT)
def test_rendered_sections_stay_whole_and_within_slacks_limit(raw: str) -> None:
    for text in _sections(raw * 3, title=raw[:300]):
        assert len(text) <= SECTION_TEXT_LIMIT_CHARS
        _assert_whole(text)
