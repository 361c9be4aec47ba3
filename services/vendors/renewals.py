"""Renewals: upcoming cancellation deadlines in 120/90/60/30/14-day bands, and decisions on them.

A decision (renew, renegotiate, cancel) belongs to one term of a contract: the term whose
cancellation deadline is the contract's current one. Deciding writes the RenewalDecision and its
follow-up ActionItems in one transaction, owned by the contract's owner and due before the
deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import col, select

from db.engine import Database
from db.models import DECISIONS as DECISIONS
from db.models import ActionItem, Contract, RenewalDecision, Vendor
from services.access import audit
from services.access.access import Actor, require
from services.core.clock import today as workspace_today
from services.core.records import InvalidRecord, check_choice, locked_get
from services.vendors.contracts import ContractView, list_contracts
from services.vendors.terms import terms_of

BANDS_DAYS = (14, 30, 60, 90, 120)
FOLLOW_UP_LEAD_DAYS = 7  # a follow-up is due a week before the deadline when there is time


def band_label(days_to_deadline: int) -> str:
    """The reminder band a deadline falls in: passed, ≤14 days, ..., ≤120 days or later."""
    if days_to_deadline < 0:
        return "passed"
    for limit in BANDS_DAYS:
        if days_to_deadline <= limit:
            return f"≤{limit} days"
    return "later"


BAND_ORDER = ("passed", *(f"≤{d} days" for d in BANDS_DAYS), "later")


@dataclass(frozen=True)
class DecisionRow:
    decision: str
    note: str
    decided_by: str
    decided_at: object


@dataclass(frozen=True)
class RenewalRow:
    contract: ContractView
    band: str
    decision: DecisionRow | None


def list_renewals(
    db: Database,
    actor: Actor,
    *,
    as_of: date | None = None,
    within_days: int | None = None,
    views: list[ContractView] | None = None,
) -> list[RenewalRow]:
    """Live contracts sorted by cancellation deadline, each with its band and decision.

    ``views``: the caller's ``list_contracts(db, actor, as_of=as_of)``, so a page that shows both
    lists loads the contracts once.
    ``within_days`` keeps deadlines from ``as_of`` up to that many days ahead (and ones already
    passed for none/manual contracts are then left out).
    """
    as_of = as_of or workspace_today(db)
    if views is None:
        views = list_contracts(db, actor, as_of=as_of, include_cancelled=False)
    else:  # the caller's list_contracts(as_of=as_of) result, already sorted: reuse it
        require(db, actor, "contracts.read", record_type="contract")
        views = [v for v in views if not v.cancelled]
    if within_days is not None:
        if within_days < 0:
            raise InvalidRecord("--within must be zero or more days")
        views = [v for v in views if 0 <= v.days_to_deadline <= within_days]
    with db.read() as s:
        decisions = (
            {
                (d.contract_id, d.term_end): d
                for d in s.exec(
                    select(RenewalDecision).where(
                        col(RenewalDecision.contract_id).in_([v.id for v in views])
                    )
                )
            }
            if views
            else {}
        )
    out = []
    for v in views:
        d = decisions.get((v.id, v.decision_key))
        out.append(
            RenewalRow(
                v,
                band_label(v.days_to_deadline),
                DecisionRow(d.decision, d.note, d.decided_by, d.decided_at) if d else None,
            )
        )
    return out


def follow_up_titles(decision: str, vendor: str, title: str, deadline: date) -> list[str]:
    when = deadline.isoformat()
    if decision == "renew":
        return [f"Confirm renewal with {vendor}"]
    if decision == "renegotiate":
        return [f"Renegotiate {title} with {vendor} before {when}"]
    return [f"Send cancellation notice to {vendor} before {when}"]


def decide_renewal(
    db: Database,
    actor: Actor,
    contract_id: int,
    *,
    decision: str,
    note: str = "",
    as_of: date | None = None,
) -> int:
    """Record a decision for the contract's current renewal and create its follow-ups."""
    require(db, actor, "renewals.decide", record_type="contract", record_id=contract_id)
    decision = check_choice(decision, DECISIONS, "decision")
    as_of = as_of or workspace_today(db)
    with db.write() as s:
        contract: Contract = locked_get(s, Contract, contract_id, "contract")
        if contract.cancelled:
            raise InvalidRecord("this contract is cancelled; there is no renewal to decide")
        vendor = s.get(Vendor, contract.vendor_id)
        vendor_name = vendor.name if vendor else "the vendor"
        terms = terms_of(contract, as_of)
        deadline = terms.cancellation_deadline
        term_end = terms.decision_key
        existing = s.exec(
            select(RenewalDecision).where(
                RenewalDecision.contract_id == contract_id, RenewalDecision.term_end == term_end
            )
        ).first()
        if existing is not None:
            raise InvalidRecord(
                f"already decided for the term ending {term_end.isoformat()}: "
                f"{existing.decision} by {existing.decided_by}"
            )
        row = RenewalDecision(
            contract_id=contract_id,
            term_end=term_end,
            decision=decision,
            note=(note or "").strip(),
            decided_by=actor.email,
        )
        s.add(row)
        s.flush()
        audit.record(s, actor, "decide", "contract", contract_id, after=audit.snapshot(row))
        # Due a week before the deadline, or today when that is closer; a deadline already
        # passed (none/manual contracts) makes the follow-up due today.
        due = max(as_of, deadline - timedelta(days=FOLLOW_UP_LEAD_DAYS))
        if deadline < as_of:
            due = as_of
        for title in follow_up_titles(decision, vendor_name, contract.title, deadline):
            item = ActionItem(
                title=title[:300],
                owner_id=contract.owner_id,
                due_date=due,
                priority="high" if decision == "cancel" else "medium",
                notes=(note or "").strip(),
                vendor_id=contract.vendor_id,
                contract_id=contract_id,
                created_by=actor.email,
            )
            s.add(item)
            s.flush()
            audit.record(s, actor, "create", "action_item", item.id, after=audit.snapshot(item))
        assert row.id is not None
        return row.id
