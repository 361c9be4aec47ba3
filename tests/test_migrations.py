"""The schema comes from the migrations, and the migrations match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from db.engine import Database
from db.migrate import check, upgrade
from db.models import metadata


def _url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def test_upgrade_head_creates_every_table_of_the_models(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert set(metadata.tables) <= tables


def test_upgrading_twice_is_harmless(db: Database) -> None:
    upgrade(_url(db))
    upgrade(_url(db))
    assert set(metadata.tables) <= set(inspect(db.engine).get_table_names())


def test_alembic_check_is_clean(db: Database) -> None:
    check(_url(db))


def test_upgrade_on_an_empty_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    check(url)


def test_head_is_alembics_head_and_a_database_there_needs_no_alembic(tmp_path: Path) -> None:
    import subprocess
    import sys

    from alembic.script import ScriptDirectory

    from db.migrate import HEAD, alembic_config
    from tests.conftest import ROOT

    url = f"sqlite:///{tmp_path / 'w.db'}"
    assert ScriptDirectory.from_config(alembic_config(url)).get_current_head() == HEAD
    code = (
        "import sys; from db.migrate import upgrade; upgrade(sys.argv[1]); "
        "print('alembic' in sys.modules)"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, url], capture_output=True, text=True, cwd=ROOT, check=True
        ).stdout.strip()
        for _ in range(2)
    ]
    assert runs == ["True", "False"]  # the first creates the schema, the second only reads it
    check(url)


def test_every_model_class_has_a_docstring() -> None:
    import db.models as models

    for mapper in models.SQLModel._sa_registry.mappers:  # type: ignore[attr-defined]
        assert mapper.class_.__doc__, mapper.class_.__name__


@pytest.mark.parametrize("table", ["contract", "costline", "notification"])
def test_money_columns_are_exact_on_postgres(table: str, postgres_db: Database) -> None:
    columns = {c["name"]: c["type"] for c in inspect(postgres_db.engine).get_columns(table)}
    money = [name for name, kind in columns.items() if "NUMERIC" in str(kind).upper()]
    if table == "notification":
        assert money == []
    else:
        assert money, f"{table} has no NUMERIC money column"


def _indexes(db: Database, table: str) -> set[str]:
    return {i["name"] for i in inspect(db.engine).get_indexes(table) if i["name"]}


def _rollup_keys(db: Database) -> tuple[set[str], int]:
    """Cost rollups' plain indexes, and how many unique constraints they have."""
    found = inspect(db.engine)
    unique = found.get_unique_constraints("costrollup")
    names = {u["name"] for u in unique}
    plain = {
        i["name"]
        for i in found.get_indexes("costrollup")
        if i["name"] and i["name"] not in names and not i.get("unique")
    }
    return plain, len(unique)


def test_0002_brings_an_older_workspace_to_the_same_indexes(db: Database) -> None:
    """A workspace made from 0001 before the board's index existed gets it; the rollups trade
    their ten-column unique key and account index for one slice index, and back on a
    downgrade."""
    from alembic import command
    from sqlalchemy import text

    from db.migrate import alembic_config

    config = alembic_config(_url(db))
    command.downgrade(config, "0001")
    assert _rollup_keys(db) == ({"ix_costrollup_day", "ix_costrollup_import_slice"}, 1)
    with db.engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_actionitem_status_completed"))
    upgrade(_url(db))
    assert "ix_actionitem_status_completed" in _indexes(db, "actionitem")
    assert _rollup_keys(db) == ({"ix_costrollup_day", "ix_costrollup_slice"}, 0)
    check(_url(db))
    upgrade(_url(db))  # a workspace made at 0002 upgrades as a no-op
    command.downgrade(config, "0001")
    assert _rollup_keys(db) == ({"ix_costrollup_day", "ix_costrollup_import_slice"}, 1)
    upgrade(_url(db))
    check(_url(db))
