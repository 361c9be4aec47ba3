"""One vendor-matching rule (issue 13) and totals exact at any size (issue 16 item 7)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import actor

from db.engine import Database
from db.models import Contract
from services.core.vendor_matching import normalise_name
from services.spend import billing_import, budgets, commitments, spend
from services.vendors import overview
from tests.builders import focus_row, make_team, make_vendor, write_focus

ADMIN = actor("admin")
DAY = date(2026, 9, 5)


def _import(db: Database, path: Path, rows: list[dict[str, str]]) -> None:
    billing_import.import_files(db, ADMIN, [write_focus(path, rows)])


def _spend_page_by_month(db: Database, vendor_id: int) -> dict[tuple[date, str], Decimal]:
    rows = spend.spend_rows(db, ADMIN, spend.SpendFilter(vendor_ids=frozenset({vendor_id})))
    return {
        (date.fromisoformat(g["month"] + "-01"), g["currency"]): g["effective_cost"]
        for g in spend.group_spend(rows, ["month", "currency"])
    }


def _vendor_page_by_month(db: Database, vendor_id: int) -> dict[tuple[date, str], Decimal]:
    page = overview.vendor_overview(db, ADMIN, vendor_id, as_of=DAY)
    assert page.spend is not None
    return {(p.month, p.currency): p.amount for p in page.spend}


def test_vendor_page_and_spend_page_agree_on_which_rows_are_the_vendors(
    db: Database, tmp_path: Path
) -> None:
    acme = make_vendor(db, "Acme Cloud")
    other = make_vendor(db, "Reseller Co")
    rows = [
        # Publisher unknown, provider is the vendor: the Spend page's rule falls back to it.
        focus_row(PublisherName="Acme Marketplace Seller", ProviderName="Acme Cloud"),
        # Spacing as billing systems write it: compared with whitespace runs collapsed.
        focus_row(PublisherName="Acme  Cloud", BilledCost="5", EffectiveCost="5"),
        # Publisher is another vendor: the row is the publisher's, on both pages.
        focus_row(PublisherName="Reseller Co", ProviderName="Acme Cloud", EffectiveCost="7"),
        # Only the invoice issuer matches.
        focus_row(
            PublisherName="x", ProviderName="y", InvoiceIssuerName="ACME CLOUD", EffectiveCost="1"
        ),
    ]
    _import(db, tmp_path / "a.csv", rows)
    expected = {(date(2026, 9, 1), "USD"): Decimal("16.00")}
    assert _spend_page_by_month(db, acme) == expected
    assert _vendor_page_by_month(db, acme) == expected
    assert _vendor_page_by_month(db, other) == _spend_page_by_month(db, other)
    assert _vendor_page_by_month(db, other) == {(date(2026, 9, 1), "USD"): Decimal("7")}


def test_a_mapped_name_is_stored_the_way_names_are_compared(db: Database, tmp_path: Path) -> None:
    acme = make_vendor(db, "Acme Cloud")
    _import(db, tmp_path / "a.csv", [focus_row(PublisherName="ACME   Cloud,  Inc.")])
    [unmatched] = billing_import.unmatched_names(db, ADMIN)
    billing_import.map_name_to_vendor(db, ADMIN, unmatched.name, acme)
    assert billing_import.unmatched_names(db, ADMIN) == []
    assert normalise_name(" ACME   Cloud,\tInc. ") == "acme cloud, inc."
    assert _vendor_page_by_month(db, acme) == _spend_page_by_month(db, acme)


# --- exact totals at any size -------------------------------------------------------------------

BIG = "123456789012345678901234567.891"  # 30 significant digits
BIG_TWICE = Decimal("246913578024691357802469135.782")
OPPOSITE = ["100000000000000000000", "-0.0000000001", "-100000000000000000000"]


def _rows(amounts: list[str], **kw: str) -> list[dict[str, str]]:
    return [focus_row(BilledCost=a, EffectiveCost=a, **kw) for a in amounts]


@pytest.mark.parametrize(
    ("amounts", "total"),
    [([BIG, BIG], BIG_TWICE), (OPPOSITE, Decimal("-0.0000000001"))],
    ids=["30-digits", "large-opposite"],
)
def test_spend_totals_are_exact_at_any_size(
    db: Database, tmp_path: Path, amounts: list[str], total: Decimal
) -> None:
    vendor_id = make_vendor(db, "OpenAI")
    _import(db, tmp_path / "big.csv", _rows(amounts))
    rows = spend.spend_rows(db, ADMIN)
    assert spend.totals(rows) == {"USD": total}
    assert format(spend.totals(rows)["USD"], "f") == format(total, "f")
    [group] = spend.report(db, ADMIN, ["vendor"])
    assert (group["billed_cost"], group["effective_cost"]) == (total, total)
    [condensed] = spend.condense(rows, by_month=True)
    assert condensed.effective_cost == total
    assert _vendor_page_by_month(db, vendor_id) == {(date(2026, 9, 1), "USD"): total}


def test_budget_burn_down_and_unmatched_totals_are_exact(db: Database, tmp_path: Path) -> None:
    team_id = make_team(db, "Research")
    vendor_id = make_vendor(db, "Acme")
    with db.write() as s:
        s.add(
            Contract(
                vendor_id=vendor_id,
                title="Commit",
                start_date=date(2026, 9, 1),
                initial_term_months=12,
                committed_amount=Decimal("1"),
                currency="USD",
            )
        )
    _import(db, tmp_path / "a.csv", _rows(OPPOSITE, PublisherName="Acme", ProviderName="Acme"))
    _import(db, tmp_path / "b.csv", _rows([BIG, BIG], BillingAccountId="other"))
    budgets.create_budget(
        db,
        ADMIN,
        name="Research",
        scope="team",
        team_id=team_id,
        amount="1000",
        currency="USD",
        starts_on=date(2026, 9, 1),
    )
    [status] = budgets.budget_statuses(db, ADMIN, today=date(2026, 9, 30))
    assert status.actual == Decimal("246913578024691357802469135.7819999999")
    [burn] = commitments.burn_downs(db, ADMIN, today=date(2026, 9, 30))
    assert burn.spent == Decimal("-0.0000000001")
    [unmatched] = billing_import.unmatched_names(db, ADMIN)
    assert unmatched.totals == {"USD": BIG_TWICE}


def test_budget_amounts_take_ascii_digits_only(db: Database) -> None:
    team_id = make_team(db, "Research")
    with pytest.raises(ValueError, match="not a number"):
        budgets.create_budget(
            db,
            ADMIN,
            name="R",
            scope="team",
            team_id=team_id,
            amount="١٠٠٠",
            currency="USD",
            starts_on=date(2026, 9, 1),
        )
