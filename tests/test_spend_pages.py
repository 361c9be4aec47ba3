"""AppTest of the Spend, Budgets and Imports pages, the demo billing, and the spend charts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import FROZEN_TODAY, actor, assert_no_exception, run_page

from db.engine import Database
from services.demo import demo_billing
from services.spend import billing_import, budgets, commitments, import_history, spend
from tests.builders import focus_row, make_team, make_vendor, write_focus
from ui import charts_spend
from ui.text import md_escape

XSS = "<img src=x onerror=alert(1)>"
ADMIN = actor("admin")
PAGES = ["spend.py", "budgets.py", "imports.py"]


@pytest.fixture(autouse=True, scope="module")
def _warm_imports() -> None:
    """Import plotly and pandas before the first AppTest, so its 30 s budget is the page's."""
    import pandas  # noqa: F401
    import plotly.graph_objects as go

    go.Figure().to_plotly_json()


def _all_text(at) -> str:  # type: ignore[no-untyped-def]
    parts = [
        str(getattr(e, "value", ""))
        for e in (
            *at.markdown,
            *at.title,
            *at.caption,
            *at.subheader,
            *at.text,
            *at.info,
            *at.success,
            *at.error,
        )
    ]
    for frame in at.dataframe:
        parts.append(frame.value.to_string())
    return "\n".join(parts)


def _demo(db: Database) -> None:
    for name in ("OpenAI", "Anthropic", "Databricks", "CoreWeave", "Lambda", "Snowflake"):
        make_vendor(
            db,
            name,
            *{
                "OpenAI": ["openai, l.l.c."],
                "Anthropic": ["anthropic pbc"],
                "Databricks": ["databricks inc."],
                "Lambda": ["lambda labs"],
                "Snowflake": ["snowflake inc."],
            }.get(name, []),
        )
    team_id = 0
    for team in ("ML Platform", "Research", "Applied ML", "Operations"):
        team_id = make_team(db, team)
    budgets.create_budget(
        db,
        ADMIN,
        name="Ops monthly",
        scope="team",
        team_id=team_id,
        amount="5000",
        starts_on=FROZEN_TODAY.replace(day=1) - timedelta(days=400),
    )
    assert demo_billing.seed(db, ADMIN, FROZEN_TODAY) > 1000


@pytest.mark.parametrize("script", PAGES)
def test_page_empty_state_renders(app_env: Database, script: str) -> None:
    at = run_page(script, ADMIN)
    assert_no_exception(at)
    assert at.title[0].value in {"Spend", "Budgets", "Imports"}


@pytest.mark.parametrize("script", PAGES)
def test_page_over_demo_billing_renders(app_env: Database, script: str) -> None:
    _demo(app_env)
    at = run_page(script, ADMIN)
    assert_no_exception(at)


SPEND_TABS = {
    "By vendor": "Billed cost by month and vendor",
    "By team": "Billed cost by month and team",
    "By service": "Billed cost by service",
    "Budgets": "in the cost it compares",
    "Anomalies": "A day is an anomaly",
    "Commitments": "No contract with a committed or prepaid amount",
    "Unused seats": "Seats purchased minus seats active",
}


@pytest.mark.parametrize("tab", SPEND_TABS)
def test_spend_page_runs_only_the_tab_in_the_url(app_env: Database, tab: str) -> None:
    _demo(app_env)
    at = run_page("spend/spend.py", actor("finance"), query={"tab": tab})
    assert_no_exception(at)
    text = _all_text(at) + "".join(str(c.proto) for c in at.get("plotly_chart"))
    for other, marker in SPEND_TABS.items():
        assert (marker in text) == (other == tab), (other, marker)


def test_spend_page_ignores_an_unknown_tab(app_env: Database) -> None:
    _demo(app_env)
    at = run_page("spend/spend.py", actor("finance"), query={"tab": "<script>"})
    assert_no_exception(at)
    assert "Billed cost by month and vendor" in "".join(
        str(c.proto) for c in at.get("plotly_chart")
    )


def test_spend_page_shows_totals_and_the_demo_spike(app_env: Database) -> None:
    _demo(app_env)
    at = run_page("spend/spend.py", actor("finance"), query={"tab": "Anomalies"})
    assert_no_exception(at)
    assert at.metric[0].label.startswith("Billed cost")
    frames = [f.value for f in at.dataframe]
    anomalies = [f for f in frames if "Times usual" in f.columns]
    assert anomalies, "the demo's spike should be listed"
    spike_day = FROZEN_TODAY - timedelta(days=demo_billing.SPIKE_DAYS_AGO)
    assert spike_day in set(anomalies[0]["Day"])


def test_spend_page_says_which_cost_it_shows_and_switches_between_them(
    app_env: Database,
) -> None:
    """Issue 14 item 6: the FOCUS sample bills 20.52 and its effective cost is 14.98."""
    from conftest import FOCUS_SAMPLE

    billing_import.import_files(app_env, ADMIN, [FOCUS_SAMPLE])
    at = run_page("spend/spend.py", actor("finance"))
    from_month = next(s for s in at.selectbox if s.label == "From")
    from_month.set_value(from_month.options[0]).run()
    [billed] = [m for m in at.metric if m.label.startswith("Billed cost")]
    at.button_group[0].set_value("effective").run()  # the Cost segmented control
    assert_no_exception(at)
    [effective] = [m for m in at.metric if m.label.startswith("Effective cost")]
    assert (billed.value, effective.value) == ("USD 20.52", "USD 14.98")
    assert "Effective cost by month and vendor" in "".join(
        str(c.proto) for c in at.get("plotly_chart")
    )


def test_spend_filters_apply_to_budgets_commitments_and_seats(app_env: Database) -> None:
    """Issue 14 item 8: a vendor filter narrows every tab, not only the charts."""
    from services.spend import views
    from services.spend.spend import SpendFilter

    _demo(app_env)
    _teams, vendors = budgets.budget_targets(app_env, ADMIN)
    budgets.create_budget(
        app_env,
        ADMIN,
        name="One vendor",
        scope="vendor",
        vendor_id=next(iter(vendors)),
        amount="100",
        starts_on=FROZEN_TODAY.replace(day=1),
    )
    statuses = budgets.budget_statuses(app_env, ADMIN, today=FROZEN_TODAY)
    assert any(s.budget.scope == "team" for s in statuses)
    vendor_budget = next(s for s in statuses if s.budget.scope == "vendor")
    flt = SpendFilter(vendor_ids=frozenset({vendor_budget.budget.vendor_id or 0}))
    assert [s.budget.id for s in views.budgets_in(statuses, flt)] == [vendor_budget.budget.id]
    seats = commitments.unused_seats(app_env, ADMIN)
    names = {vendor_budget.budget.vendor_id or 0: vendor_budget.target}
    assert all(w.vendor == vendor_budget.target for w in views.by_vendor_in(seats, flt, names))
    assert views.by_vendor_in(seats, SpendFilter(teams=frozenset({"x"})), names) == []


def test_billing_names_are_shown_as_text(app_env: Database, tmp_path: Path) -> None:
    vendor_id = make_vendor(app_env, XSS)
    path = write_focus(
        tmp_path / "x.csv",
        [
            focus_row(
                PublisherName=XSS,
                ChargePeriodStart=f"{FROZEN_TODAY.isoformat()}T00:00:00Z",
                BillingPeriodStart=f"{FROZEN_TODAY.replace(day=1).isoformat()}T00:00:00Z",
            ),
            focus_row(
                PublisherName="**bold** :red[x]",
                BillingAccountId="2",
                ChargePeriodStart=f"{FROZEN_TODAY.isoformat()}T00:00:00Z",
                BillingPeriodStart=f"{FROZEN_TODAY.replace(day=1).isoformat()}T00:00:00Z",
            ),
        ],
    )
    billing_import.import_files(app_env, ADMIN, [path])
    billing_import.map_name_to_vendor(app_env, ADMIN, XSS, vendor_id)
    for script in PAGES:
        at = run_page(script, ADMIN)
        assert_no_exception(at)
        for element in (*at.markdown, *at.caption, *at.info, *at.success):
            assert "<img" not in str(element.value)
    imports = run_page("spend/imports.py", ADMIN)
    assert md_escape("**bold** :red[x]") in _all_text(imports)  # escaped in the names table
    assert "**bold** :red[x]" in imports.selectbox(key="map_name").options  # plain text


@pytest.mark.parametrize(
    ("script", "role"), [("spend.py", "va"), ("budgets.py", "va"), ("imports.py", "lead")]
)
def test_page_refuses_a_role_without_permission(app_env: Database, script: str, role: str) -> None:
    _demo(app_env)
    at = run_page(script, actor(role))
    assert_no_exception(at)
    assert any("Not allowed" in str(e.value) for e in at.error)
    assert not at.dataframe


def test_budgets_page_adds_a_budget(app_env: Database) -> None:
    team = make_team(app_env, "Research")
    at = run_page("spend/budgets.py", actor("finance"))
    next(t for t in at.text_input if t.label == "Name").input("Research monthly")
    next(t for t in at.text_input if t.label == "Amount").input("18,000")
    next(t for t in at.text_input if t.label == "Currency").input("USX")
    next(b for b in at.button if b.label == "Add budget").click().run()
    # Issue 14 item 4: one refused value keeps every field as typed.
    assert at.error
    assert next(t for t in at.text_input if t.label == "Name").value == "Research monthly"
    assert next(t for t in at.text_input if t.label == "Amount").value == "18,000"
    assert budgets.list_budgets(app_env, ADMIN) == []
    next(s for s in at.selectbox if s.label == "Team").set_value(team)
    next(t for t in at.text_input if t.label == "Currency").input("USD")
    next(b for b in at.button if b.label == "Add budget").click().run()
    assert_no_exception(at)
    [budget] = budgets.list_budgets(app_env, ADMIN)
    assert (budget.name, budget.amount, budget.thresholds, budget.cost_basis) == (
        "Research monthly",
        Decimal("18000"),
        "50,75,90,100",
        "billed",
    )
    assert next(t for t in at.text_input if t.label == "Name").value == ""


def test_budgets_page_is_read_only_for_a_lead(app_env: Database) -> None:
    make_team(app_env, "Research")
    at = run_page("spend/budgets.py", actor("lead"))
    assert_no_exception(at)
    assert not at.text_input
    assert "Add a budget" not in _all_text(at)


def test_imports_page_undo_and_one_click_mapping(app_env: Database, tmp_path: Path) -> None:
    vendor_id = make_vendor(app_env, "OpenAI")
    path = write_focus(
        tmp_path / "f.csv",
        [
            focus_row(
                PublisherName="OpenAI, L.L.C.",
                ProviderName="OpenAI, L.L.C.",
                InvoiceIssuerName="OpenAI, L.L.C.",
            )
        ],
    )
    billing_import.import_files(app_env, ADMIN, [path])
    at = run_page("spend/imports.py", actor("finance"), opened=("imports_undo_open",))
    assert_no_exception(at)
    [picker] = [b for b in at.selectbox if (b.key or "").startswith("map_vendor_")]
    assert picker.value is None  # issue 14 item 3: no vendor chosen for the person
    picker.set_value(vendor_id).run()
    next(b for b in at.button if (b.key or "").startswith("map_button_")).click().run()
    assert_no_exception(at)
    assert billing_import.unmatched_names(app_env, ADMIN) == []
    assert spend.report(app_env, ADMIN, ["vendor"])[0]["vendor"] == "OpenAI"
    undo = next(b for b in at.button if b.label == "Undo import")
    undo.click().run()
    assert_no_exception(at)
    assert spend.report(app_env, ADMIN, ["vendor"]) == []
    assert vendor_id


NAME_COLUMNS = ("PublisherName", "ProviderName", "InvoiceIssuerName")


def test_imports_page_maps_the_name_chosen_and_the_next_starts_without_a_vendor(
    app_env: Database, tmp_path: Path
) -> None:
    vendor_id = make_vendor(app_env, "OpenAI")
    path = write_focus(
        tmp_path / "f.csv",
        [
            focus_row(**dict.fromkeys(NAME_COLUMNS, "Alpha Labs")),
            focus_row(**dict.fromkeys(NAME_COLUMNS, "Beta AI"), BillingAccountId="2"),
        ],
    )
    billing_import.import_files(app_env, ADMIN, [path])
    at = run_page("spend/imports.py", actor("finance"))
    assert at.selectbox(key="map_name").options == ["Alpha Labs", "Beta AI"]
    at.selectbox(key="map_name").set_value("Beta AI").run()
    picker = next(b for b in at.selectbox if (b.key or "").startswith("map_vendor_"))
    picker.set_value(vendor_id).run()
    next(b for b in at.button if (b.key or "").startswith("map_button_")).click().run()
    assert_no_exception(at)
    assert [u.name for u in billing_import.unmatched_names(app_env, ADMIN)] == ["Alpha Labs"]
    assert at.selectbox(key="map_name").value == "Alpha Labs"
    picker = next(b for b in at.selectbox if (b.key or "").startswith("map_vendor_"))
    assert picker.value is None
    assert next(b for b in at.button if (b.key or "").startswith("map_button_")).disabled


def test_imports_page_shows_the_latest_imports_and_all_of_them_on_request(
    app_env: Database, tmp_path: Path
) -> None:
    for n in range(12):
        rows = [focus_row(BillingAccountId=str(n))] * (2 if n == 11 else 1)
        billing_import.import_files(
            app_env, ADMIN, [write_focus(tmp_path / f"e-{n:02d}.csv", rows)]
        )
    import_history.undo_import(app_env, ADMIN, 11)
    at = run_page("spend/imports.py", actor("finance"))
    table = next(m.value for m in at.markdown if md_escape("e-11.csv") in m.value)
    lines = table.splitlines()
    # Four short columns, so that it fits a narrow window; the latest five imports.
    assert lines[0] == f"| {md_escape('#')} | File | Rows | At |"
    assert [line.split(" | ")[1] for line in lines[2:]] == [
        md_escape(f"e-{n:02d}.csv") for n in (11, 10, 9, 8, 7)
    ]
    assert f"| {md_escape('2 of 2 imported')} |" in lines[2]
    assert f"| {md_escape('Undone: 1 of 1 imported')} |" in lines[3]
    assert not at.dataframe
    at.session_state["imports_all_open"] = True
    at.run()
    [grid] = at.dataframe
    assert len(grid.value) == 12
    assert {"Format", "Replaced", "Rejected", "By"} <= set(grid.value.columns)


def test_imports_page_saves_a_column_mapping(app_env: Database) -> None:
    at = run_page("spend/imports.py", ADMIN, opened=("imports_mapping_open",))
    at.text_input[0].input("LLM invoice")
    at.text_input(key="mapcol_charge_date").input("Date")
    at.text_input(key="mapcol_billed_cost").input("Amount")
    at.text_input(key="mapdef_currency").input("usd")
    at.text_input(key="mapdef_provider").input("Cohere")
    next(b for b in at.button if b.label == "Save mapping").click().run()
    assert_no_exception(at)
    [mapping] = billing_import.list_mappings(app_env, ADMIN)
    assert mapping.name == "LLM invoice"
    assert '"currency": "USD"' in mapping.spec


# --- charts -------------------------------------------------------------------------------------


def _row(
    day: date, vendor: str, cost: str, currency: str = "USD", team: str = "T"
) -> spend.SpendRow:
    amount = Decimal(cost)
    return spend.SpendRow(
        day, None, vendor, False, vendor, vendor, "svc", team, currency, amount, amount
    )


def test_monthly_chart_stacks_vendors_in_one_currency_only() -> None:
    rows = [
        _row(date(2026, 9, 1), "A", "1.10"),
        _row(date(2026, 9, 2), "A", "2.20"),
        _row(date(2026, 10, 1), "B", "5"),
        _row(date(2026, 10, 1), "C", "7", "EUR"),
    ]
    fig = charts_spend.monthly_by(rows, "USD", "vendor", "t")
    assert [t.name for t in fig.data] == ["B", "A"]
    assert list(fig.data[1].y) == [pytest.approx(3.3), 0.0]
    assert fig.data[1].customdata[0] == "USD 3.30"


def test_chart_labels_do_not_carry_html() -> None:
    fig = charts_spend.totals_by([_row(date(2026, 9, 1), XSS, "1")], "USD", "vendor", XSS)
    assert "<img" not in str(fig.data[0].y) and "<img" not in fig.layout.title.text


def test_anomaly_chart_marks_each_anomaly() -> None:
    rows = [_row(date(2026, 9, d), "A", "10") for d in range(1, 30)]
    anomaly = spend.Anomaly(date(2026, 9, 29), "A", "USD", Decimal("500"), Decimal("10"))
    fig = charts_spend.daily_with_anomalies(rows, [anomaly], "USD")
    assert [t.name for t in fig.data] == ["Daily spend", "Anomaly"]
    assert list(fig.data[1].x) == [date(2026, 9, 29)]


def test_empty_charts_say_so() -> None:
    assert charts_spend.monthly_by([], "USD", "vendor", "x").layout.title.text == (
        charts_spend.EMPTY_TITLE
    )
    assert charts_spend.budget_vs_actual([]).layout.title.text == charts_spend.EMPTY_TITLE


def test_budgets_page_changes_a_budget_amount(app_env: Database) -> None:
    team_id = make_team(app_env, "Research")
    budgets.create_budget(
        app_env,
        ADMIN,
        name="R",
        scope="team",
        team_id=team_id,
        amount="10",
        starts_on=FROZEN_TODAY.replace(day=1),
    )
    at = run_page("spend/budgets.py", actor("finance"), opened=("budgets_change_open",))
    budget_id = budgets.list_budgets(app_env, ADMIN)[0].id
    at.selectbox(key="budget_edit").set_value(budget_id).run()
    next(t for t in at.text_input if t.label == "Amount" and t.value == "10").input("12.50")
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert_no_exception(at)
    [budget] = budgets.list_budgets(app_env, ADMIN)
    assert (budget.amount, budget.version) == (Decimal("12.50"), 2)


def test_cached_spend_is_not_served_to_a_user_without_permission(app_env: Database) -> None:
    _demo(app_env)
    first = run_page("spend/spend.py", actor("finance", "fin@example.com"))
    assert_no_exception(first)
    assert first.metric
    second = run_page("spend/spend.py", actor("va", "va@example.com"))
    assert_no_exception(second)
    assert not second.metric and not second.dataframe
    assert any("Not allowed" in str(e.value) for e in second.error)


def test_a_kept_spend_view_follows_new_billing_data_and_is_refused_without_permission(
    app_env: Database, tmp_path: Path
) -> None:
    from services.access.access import NotAllowed
    from services.spend.spend import SpendFilter
    from ui.data_memo import billing_memo
    from ui.spend_data import spend_view

    flt = SpendFilter(start=date(2026, 9, 1), end=date(2026, 10, 1))

    def billed(who: str = "finance") -> Decimal:
        view = spend_view(app_env, actor(who), flt)
        return sum((r.billed_cost for r in view.monthly), Decimal(0))

    first = [focus_row(BilledCost="100.00"), focus_row(BilledCost="20.00", ServiceName="Batch")]
    billing_import.import_files(app_env, ADMIN, [write_focus(tmp_path / "a.csv", first)])
    assert billed() == Decimal("120.00")
    assert spend_view(app_env, actor("finance"), flt) is spend_view(app_env, actor("lead"), flt)
    with pytest.raises(NotAllowed):  # a kept view never skips the permission
        billed("va")
    assert spend.filter_options(app_env, actor("finance"), memo=billing_memo(app_env))["teams"] == [
        "Research"
    ]
    with pytest.raises(NotAllowed):  # nor do kept filter options
        spend.filter_options(app_env, actor("va"), memo=billing_memo(app_env))
    # A re-import of the account and period (it supersedes the first) is a new billing data
    # version: the next view shows it.
    again = [focus_row(BilledCost="5.00", Tags='{"team": "Platform"}')]
    billing_import.import_files(app_env, ADMIN, [write_focus(tmp_path / "b.csv", again)])
    assert billed() == Decimal("5.00")
    assert spend.filter_options(app_env, actor("finance"), memo=billing_memo(app_env))["teams"] == [
        "Platform"
    ]


def test_imports_page_deletes_an_unused_mapping(app_env: Database) -> None:
    billing_import.save_mapping(
        app_env,
        ADMIN,
        "Old",
        {"charge_date": "D", "billed_cost": "A"},
        {"currency": "USD", "provider": "X"},
    )
    at = run_page("spend/imports.py", ADMIN, opened=("imports_delete_open",))
    next(b for b in at.button if b.label == "Delete mapping").click().run()
    assert_no_exception(at)
    assert billing_import.list_mappings(app_env, ADMIN) == []


def test_imports_page_lists_a_name_again_after_its_vendor_is_renamed(
    app_env: Database, tmp_path: Path
) -> None:
    """Unmatched names are cached by the billing data version, which a rename must move."""
    from services.vendors import vendors

    vendor_id = make_vendor(app_env, "Acme AI")
    path = write_focus(
        tmp_path / "f.csv",
        [focus_row(PublisherName="Acme AI", ProviderName="Acme AI", InvoiceIssuerName="Acme AI")],
    )
    billing_import.import_files(app_env, ADMIN, [path])
    at = run_page("spend/imports.py", actor("finance"))
    assert "Every provider and publisher name matches" in _all_text(at)
    before = billing_import.data_version(app_env)
    [row] = [v for v in vendors.list_vendors(app_env, ADMIN) if v.id == vendor_id]
    vendors.update_vendor(
        app_env,
        ADMIN,
        vendor_id,
        expected_version=row.version,
        name="Acme Labs",
        category=row.category,
        status=row.status,
        owner_id=row.owner_id,
        website=row.website,
        notes=row.notes,
        aliases=row.aliases,
    )
    assert billing_import.data_version(app_env) != before
    at.run()
    assert_no_exception(at)
    assert at.selectbox(key="map_name").options == ["Acme AI"]


def test_finance_creates_the_missing_vendor_from_a_billing_name(
    app_env: Database, tmp_path: Path
) -> None:
    """Issue 14 item 3: finance may add a vendor that appears only on the bill."""
    from ui.spend.unmatched import new_vendor_popover_key

    path = write_focus(
        tmp_path / "f.csv",
        [focus_row(PublisherName="Mistral AI", ProviderName="Mistral AI")],
    )
    billing_import.import_files(app_env, ADMIN, [path])
    at = run_page("spend/imports.py", actor("finance"))
    # The form is drawn only once its popover is open.
    assert not [b for b in at.button if b.label == "Create vendor and map"]
    at.session_state[new_vendor_popover_key("Mistral AI")] = True
    at.run()
    category = next(s for s in at.selectbox if s.label == "Category")
    create = next(b for b in at.button if b.label == "Create vendor and map")
    create.click().run()
    assert any("Choose a category" in e.value for e in at.error)
    assert billing_import.unmatched_names(app_env, ADMIN) != []
    category = next(s for s in at.selectbox if s.label == "Category")
    category.set_value("llm_api")
    next(b for b in at.button if b.label == "Create vendor and map").click().run()
    assert_no_exception(at)
    assert billing_import.unmatched_names(app_env, ADMIN) == []
    assert spend.report(app_env, ADMIN, ["vendor"])[0]["vendor"] == "Mistral AI"


def test_past_ten_vendors_the_smallest_share_one_other_series() -> None:
    """Ten colours in the theme: an eleventh vendor would wear the first one's."""
    rows = [_row(date(2026, 9, 1), f"V{n:02d}", f"{100 - n}.5") for n in range(14)]
    rows.append(_row(date(2026, 10, 1), "V13", "1"))
    fig = charts_spend.monthly_by(rows, "USD", "vendor", "t")
    names = [t.name for t in fig.data]
    assert names == [f"V{n:02d}" for n in range(9)] + ["Other (5 vendors)"]
    other = fig.data[-1]
    assert other.customdata[0] == "USD 447.50"  # 91.5 + 90.5 + 89.5 + 88.5 + 87.5
    assert other.customdata[1] == "USD 1.00"
    drawn = sum(sum(t.y) for t in fig.data)
    assert drawn == pytest.approx(float(sum(Decimal(f"{100 - n}.5") for n in range(14)) + 1))
    ten = charts_spend.monthly_by(rows[:10], "USD", "vendor", "t")
    assert [t.name for t in ten.data] == [f"V{n:02d}" for n in range(10)]


def test_a_spend_chart_is_built_once_per_view_and_follows_new_billing_data(
    app_env: Database, tmp_path: Path
) -> None:
    """Charts are kept on the view they draw (one per filter and billing data version): a rerun
    draws the same figure, a new import draws a new one."""
    first = [focus_row(BilledCost="100.00", ChargePeriodStart=f"{FROZEN_TODAY}T00:00:00Z")]
    billing_import.import_files(app_env, ADMIN, [write_focus(tmp_path / "a.csv", first)])
    at = run_page("spend/spend.py", actor("finance"))
    assert_no_exception(at)

    def spec() -> str:
        return "".join(str(c.proto.spec) for c in at.get("plotly_chart"))

    drawn = spec()
    assert "100" in drawn
    built: list[object] = []
    original = charts_spend.monthly_by

    def counting(*args: object, **kwargs: object) -> object:
        built.append(args)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    charts_spend.monthly_by = counting  # type: ignore[assignment]
    try:
        at.run()
        assert (built, spec()) == ([], drawn)
        again = [
            focus_row(
                BilledCost="7.25",
                BillingAccountId="other",
                ChargePeriodStart=f"{FROZEN_TODAY}T00:00:00Z",
            )
        ]
        billing_import.import_files(app_env, ADMIN, [write_focus(tmp_path / "b.csv", again)])
        at.run()
        assert_no_exception(at)
        assert len(built) == 1 and "107.25" in spec()
    finally:
        charts_spend.monthly_by = original  # type: ignore[assignment]
