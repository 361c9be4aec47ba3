"""Demo contracts (with an amendment and a superseded predecessor) and budgets."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from db.models import (
    Budget,
    Contract,
    ContractAmendment,
)
from services.demo.workspace import DOCS_URL, Workspace, money, pk
from services.vendors.terms import add_months

# Contracts: (vendor, title, renewal, initial, period, notice, days to deadline, value,
# committed, prepaid, owner, sla hours). Start dates are solved backwards from the wanted
# deadline so the demo always shows deadlines inside 14, 30, 60 and 120 days.
CONTRACTS: list[tuple[Any, ...]] = [
    (
        "OpenAI",
        "API enterprise commitment",
        "auto",
        12,
        12,
        30,
        10,
        "240000",
        "240000",
        None,
        "Maya Chen",
        24,
    ),
    (
        "Anthropic",
        "Claude API committed use",
        "manual",
        12,
        None,
        30,
        25,
        "180000",
        "150000",
        None,
        "Luis Ortega",
        24,
    ),
    (
        "Databricks",
        "Platform commit",
        "auto",
        12,
        12,
        60,
        50,
        "420000",
        "400000",
        None,
        "Maya Chen",
        8,
    ),
    (
        "Weights & Biases",
        "Teams plan seats",
        "auto",
        12,
        12,
        30,
        100,
        "30000",
        None,
        None,
        "Priya Nair",
        72,
    ),
    (
        "Hugging Face",
        "Enterprise Hub",
        "auto",
        12,
        12,
        30,
        40,
        "7200",
        None,
        None,
        "Omar Haddad",
        48,
    ),
    (
        "Scale AI",
        "Labeling statement of work",
        "none",
        6,
        None,
        0,
        75,
        "95000",
        None,
        "95000",
        "Omar Haddad",
        48,
    ),
    (
        "Lambda",
        "Reserved GPU cluster",
        "auto",
        12,
        1,
        30,
        20,
        "150000",
        None,
        "150000",
        "Luis Ortega",
        12,
    ),
    (
        "CoreWeave",
        "H100 reservation",
        "manual",
        24,
        None,
        90,
        200,
        "960000",
        "960000",
        None,
        "Maya Chen",
        12,
    ),
    (
        "Arize AI",
        "Model observability",
        "auto",
        12,
        12,
        45,
        140,
        "48000",
        None,
        None,
        "Alex Morgan",
        48,
    ),
    (
        "Snowflake",
        "Capacity agreement",
        "none",
        36,
        None,
        90,
        300,
        "600000",
        "600000",
        None,
        "Dana Whitfield",
        24,
    ),
    ("Pinecone", "Standard plan", "auto", 1, 1, 0, 8, "840", None, None, "Grace Kim", 72),
    (
        "Labelbox",
        "Annotation platform",
        "manual",
        12,
        None,
        60,
        -20,
        "36000",
        None,
        None,
        "Priya Nair",
        48,
    ),
]


def seed_contracts(ws: Workspace) -> None:
    """Contracts solved backwards from the wanted deadlines, a predecessor and an amendment."""
    session, day, people, counts = ws.session, ws.day, ws.people, ws.counts
    vendors, contracts = ws.vendors, ws.contracts
    for (
        vname,
        title,
        renewal,
        initial,
        period,
        notice,
        target,
        value,
        committed,
        prepaid,
        owner,
        sla,
    ) in CONTRACTS:
        term_end = day + timedelta(days=target + notice)
        renewals_done = 2 if renewal == "auto" and period and period >= 12 else 0
        months_back = initial + renewals_done * (period or 0)
        start = add_months(term_end + timedelta(days=1), -months_back)
        contract = Contract(
            vendor_id=pk(vendors[vname]),
            title=title,
            start_date=start,
            initial_term_months=initial,
            renewal_type=renewal,
            renewal_period_months=period,
            notice_days=notice,
            value=money(value),
            currency="USD",
            billing_period="monthly" if period == 1 else "yearly",
            committed_amount=money(committed) if committed else None,
            prepaid_amount=money(prepaid) if prepaid else None,
            owner_id=people[owner].id,
            sla_hours=sla,
            escalation_path=f"Account manager, then {vname} support director",
            document_url=f"{DOCS_URL}/{vname.lower().replace(' ', '-')}",
        )
        session.add(contract)
        contracts[vname] = contract
    session.flush()
    previous = Contract(
        vendor_id=pk(vendors["OpenAI"]),
        title="API pay-as-you-go (superseded)",
        start_date=add_months(contracts["OpenAI"].start_date, -12),
        initial_term_months=12,
        renewal_type="none",
        notice_days=30,
        value=money("60000"),
        currency="USD",
        owner_id=people["Maya Chen"].id,
        cancelled=True,
    )
    session.add(previous)
    session.flush()
    contracts["OpenAI"].previous_contract_id = previous.id
    session.add(
        ContractAmendment(
            contract_id=pk(contracts["Databricks"]),
            effective_date=day - timedelta(days=120),
            summary="Added 50,000 DBUs of serverless compute to the commitment.",
            value_change=money("20000"),
            created_by=people["Dana Whitfield"].email,
        )
    )
    counts["contracts"] = len(contracts) + 1


def seed_budgets(ws: Workspace) -> None:
    """Budgets: monthly per team, monthly for the two largest vendors, yearly for Snowflake."""
    session, day, teams, vendors, counts = ws.session, ws.day, ws.teams, ws.vendors, ws.counts
    month_start = add_months(day.replace(day=1), -12)
    for team_name, amount in [
        ("ML Platform", "60000"),
        ("Research", "45000"),
        ("Applied ML", "30000"),
        ("Operations", "8000"),
    ]:
        session.add(
            Budget(
                name=f"{team_name} monthly",
                scope="team",
                team_id=teams[team_name].id,
                period="monthly",
                amount=money(amount),
                currency="USD",
                starts_on=month_start,
            )
        )
    for vname, amount, period in [
        ("OpenAI", "22000", "monthly"),
        ("Databricks", "35000", "monthly"),
        ("Snowflake", "200000", "yearly"),
    ]:
        session.add(
            Budget(
                name=f"{vname} {period}",
                scope="vendor",
                vendor_id=pk(vendors[vname]),
                period=period,
                amount=money(amount),
                currency="USD",
                starts_on=month_start if period == "monthly" else day.replace(month=1, day=1),
            )
        )
    counts["budgets"] = 7
