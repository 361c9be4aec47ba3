"""Text a user typed is shown as text in toasts (and captions and metric labels), never rendered
as markdown: no bold, no live link, no image fetched from any address."""

from __future__ import annotations

from db.engine import Database
from services.access.access import Actor
from tests.conftest import assert_no_exception, run_page
from ui.text import md_escape

VA = Actor(email="va@example.com", role="va")
HOSTILE = "**bold** [link](https://evil.example) ![img](https://evil.example/x.png) :red[x]"


def test_the_added_toast_on_action_items_shows_the_title_as_text(app_env: Database) -> None:
    at = run_page("actions.py", VA)
    at.text_input(key="actions_quick_add_0_text").input(HOSTILE)
    at.button(key="actions_quick_submit").click().run()
    assert_no_exception(at)
    (toast,) = at.toast
    assert toast.value == f"Added: {md_escape(HOSTILE)}"
    for live in ("**bold**", "](https://", "![img]", ":red["):
        assert live not in toast.value
