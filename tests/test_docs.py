"""The README stays in step with the code it documents."""

from __future__ import annotations

from pathlib import Path

from services.access.access import permission_table_markdown
from services.record_imports import kinds

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_the_readme_permission_table_is_the_one_the_code_enforces() -> None:
    assert permission_table_markdown() in README


def test_every_record_import_kind_is_documented_with_its_required_columns() -> None:
    for name, kind in kinds().items():
        assert f"| `{name}` | {', '.join(kind.required)}" in README, name


def test_the_readme_opens_with_the_two_commands() -> None:
    first_block = README.split("```")[1]
    assert "make run" in first_block and "make test" in first_block


def test_the_deployment_section_says_how_to_back_up_and_restore() -> None:
    deployment = README.split("\n## Deployment\n", 1)[1].split("\n## ", 1)[0]
    backups = deployment.split("\n### Backups\n", 1)[1]
    for needed in ("opsdesk backup", "opsdesk restore", "pg_dump", "OPSDESK_BACKUP_KEEP"):
        assert needed in backups, needed
