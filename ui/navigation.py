"""The page registry: every page, its section and the permission needed to see it.

`app.py` builds `st.navigation` from this list, showing only what the signed-in role may open;
each page script also checks its permission through its service calls, so a page reached by URL
is refused the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent.parent / "app_pages"


@dataclass(frozen=True)
class PageSpec:
    script: str  # file name inside app_pages/
    title: str
    icon: str
    section: str
    permission: str
    url_path: str
    default: bool = False


PAGES: list[PageSpec] = [
    PageSpec("today.py", "Today", ":material/today:", "Home", "home.read", "today", default=True),
    PageSpec("users.py", "Users", ":material/group:", "Admin", "users.manage", "users"),
    PageSpec("audit.py", "Audit", ":material/history:", "Admin", "audit.read", "audit"),
]

SECTIONS = ["Home", "Coordination", "Vendors", "Spend", "Admin"]
