"""rollup and review-board indexes

- Cost rollups: the unique key over all ten key columns and the (import_id, billing_account_id)
  index give way to one index on an import's slices, (import_id, billing_account_id,
  billing_period_start), which is what replacing and undoing imports look up. Rollups are
  grouped by their key before they are written, so they stay unique without the constraint;
  keeping it and the second index cost a third of the time of writing the rollups of a file
  with thousands of billing accounts.
- Create ix_actionitem_status_completed where it is missing: it was added to 0001 after some
  workspaces had been created from it, and the review board's completion rate reads it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 01:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = [
    "import_id", "billing_account_id", "billing_period_start", "day", "provider",
    "source_name", "invoice_issuer", "service_name", "team", "currency",
]  # fmt: skip
SLICE = ["import_id", "billing_account_id", "billing_period_start"]


def upgrade() -> None:
    # Batch mode: SQLite drops a constraint by copying the table (Postgres alters it in place).
    with op.batch_alter_table("costrollup") as batch:
        batch.drop_constraint("uq_costrollup_key", type_="unique")
        batch.drop_index("ix_costrollup_import_slice")
        batch.create_index("ix_costrollup_slice", SLICE)
    op.create_index(
        "ix_actionitem_status_completed",
        "actionitem",
        ["status", "completed_at"],
        if_not_exists=True,
    )


def downgrade() -> None:
    with op.batch_alter_table("costrollup") as batch:
        batch.drop_index("ix_costrollup_slice")
        batch.create_index("ix_costrollup_import_slice", ["import_id", "billing_account_id"])
        batch.create_unique_constraint("uq_costrollup_key", KEY)
