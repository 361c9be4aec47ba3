"""Renewals: upcoming cancellation deadlines in 120/90/60/30/14-day bands, and decisions on them.

A decision (renew, renegotiate, cancel) belongs to one term of a contract: the term whose
cancellation deadline is the contract's current one. Deciding writes the RenewalDecision and its
follow-up ActionItems in one transaction, owned by the contract's owner and due before the
deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from db.engine import Database
from db.models import DECISIONS as DECISIONS
from db.models import ActionItem, Contract, RenewalDecision, Vendor
from services.access import audit
from services.access.access import Actor, can, require
from services.core.clock import session_now
from services.core.clock import today as workspace_today
from services.core.memo import Memo, remembered
from services.core.records import InvalidRecord, check_choice, locked_get
from services.vendors.contract_columns import decisions_of
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
    id: int
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
    memo: Memo | None = None,
) -> list[RenewalRow]:
    """Live contracts sorted by cancellation deadline, each with its band and decision.

    ``views``: the caller's ``list_contracts(db, actor, as_of=as_of)``, so a page that shows both
    lists loads the contracts once.
    ``within_days`` keeps deadlines from ``as_of`` up to that many days ahead (and ones already
    passed for none/manual contracts are then left out).
    ``memo``: as for ``list_contracts`` (and ``views``, when given, read with the same memo).
    """
    as_of = as_of or workspace_today(db)
    if views is None:
        views = list_contracts(db, actor, as_of=as_of, include_cancelled=False, memo=memo)
    else:  # the caller's list_contracts(as_of=as_of) result, already sorted: reuse it
        require(db, actor, "contracts.read", record_type="contract")
        views = [v for v in views if not v.cancelled]
    live = views
    return list(
        remembered(
            memo,
            ("renewals", as_of, within_days, can(actor, "contracts.values")),
            lambda: _renewal_rows(db, live, within_days),
        )
    )


def _renewal_rows(
    db: Database, views: list[ContractView], within_days: int | None
) -> list[RenewalRow]:
    if within_days is not None:
        if within_days < 0:
            raise InvalidRecord("--within must be zero or more days")
        views = [v for v in views if 0 <= v.days_to_deadline <= within_days]
    with db.read() as s:
        decisions = decisions_of(s, [v.id for v in views])
    out = []
    for v in views:
        d = decisions.get((v.id, v.decision_key))
        out.append(
            RenewalRow(
                v,
                band_label(v.days_to_deadline),
                DecisionRow(d.id, d.decision, d.note, d.decided_by, d.decided_at) if d else None,
            )
        )
    return out


def awaiting_decision(rows: list[RenewalRow]) -> list[RenewalRow]:
    """Renewals still to decide, the way a renewal calendar works them: the nearest deadline
    still ahead first, then those whose deadline already passed (nothing left to cancel by
    then, so they are not offered first)."""
    open_rows = [r for r in rows if r.decision is None]
    return sorted(
        open_rows,
        key=lambda r: (r.contract.deadline_passed, abs(r.contract.days_to_deadline)),
    )


def decision_choice_label(row: RenewalRow) -> str:
    """How a renewal is named in a picker: vendor, contract and how long is left."""
    c = row.contract
    days = c.days_to_deadline
    if days < 0:
        when = f"deadline passed {-days} days ago"
    elif days == 0:
        when = "cancel by today"
    else:
        when = f"cancel by {c.cancellation_deadline.isoformat()}, {days} days left"
    return f"{c.vendor_name} · {c.title} ({when})"


def window_rows(rows: list[RenewalRow], window_days: int) -> list[RenewalRow]:
    """Renewals whose deadline falls within ``window_days`` from today (passed ones too)."""
    return [r for r in rows if r.contract.days_to_deadline <= window_days]


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
        _create_follow_ups(s, actor, contract, vendor_name, row, deadline, as_of)
        assert row.id is not None
        return row.id


def _create_follow_ups(
    s: Session,
    actor: Actor,
    contract: Contract,
    vendor_name: str,
    row: RenewalDecision,
    deadline: date,
    as_of: date,
) -> None:
    """The decision's follow-up action items, owned by the contract's owner."""
    # Due a week before the deadline, or today when that is closer; a deadline already
    # passed (none/manual contracts) makes the follow-up due today.
    due = max(as_of, deadline - timedelta(days=FOLLOW_UP_LEAD_DAYS))
    for title in follow_up_titles(row.decision, vendor_name, contract.title, deadline):
        item = ActionItem(
            title=title[:300],
            owner_id=contract.owner_id,
            due_date=due,
            priority="high" if row.decision == "cancel" else "medium",
            notes=row.note,
            vendor_id=contract.vendor_id,
            contract_id=contract.id,
            created_by=actor.email,
        )
        s.add(item)
        s.flush()
        audit.record(s, actor, "create", "action_item", item.id, after=audit.snapshot(item))


def _drop_open_follow_ups(
    s: Session, actor: Actor, contract: Contract, vendor_name: str, row: RenewalDecision
) -> int:
    """Drop the still-open follow-ups a decision created; finished ones stay as they are."""
    deadline = row.term_end - timedelta(days=contract.notice_days)
    titles = [
        t[:300] for t in follow_up_titles(row.decision, vendor_name, contract.title, deadline)
    ]
    items = s.exec(
        select(ActionItem).where(
            ActionItem.contract_id == contract.id,
            col(ActionItem.title).in_(titles),
            col(ActionItem.status).not_in(("done", "dropped")),
        )
    ).all()
    for item in items:
        audit.apply_change(
            s, actor, item, "action_item", {"status": "dropped"}, detail="renewal decision changed"
        )
    return len(items)


def _decision_and_contract(s: Session, decision_id: int) -> tuple[RenewalDecision, Contract, str]:
    row = s.get(RenewalDecision, decision_id)
    if row is None:
        raise InvalidRecord(f"no renewal decision #{decision_id}; it may have been withdrawn")
    contract: Contract = locked_get(s, Contract, row.contract_id, "contract")
    vendor = s.get(Vendor, contract.vendor_id)
    return row, contract, vendor.name if vendor else "the vendor"


def change_decision(
    db: Database,
    actor: Actor,
    decision_id: int,
    *,
    decision: str,
    note: str = "",
    as_of: date,
) -> None:
    """Change a recorded decision. The audit trail keeps the version it replaces; when the
    decision itself changes, its open follow-ups are dropped and the new decision's created."""
    require(db, actor, "renewals.decide", record_type="renewal_decision", record_id=decision_id)
    decision = check_choice(decision, DECISIONS, "decision")
    with db.write() as s:
        row, contract, vendor_name = _decision_and_contract(s, decision_id)
        before = audit.snapshot(row)
        changed = row.decision != decision
        if changed:
            _drop_open_follow_ups(s, actor, contract, vendor_name, row)
        row.decision = decision
        row.note = (note or "").strip()
        row.decided_by = actor.email
        row.decided_at = session_now(s)
        s.add(row)
        s.flush()
        # Under the contract, like the first decision: its history reads as one trail.
        audit.record(
            s,
            actor,
            "decide",
            "contract",
            contract.id,
            before=before,
            after=audit.snapshot(row),
            detail="decision changed",
        )
        if changed:
            deadline = row.term_end - timedelta(days=contract.notice_days)
            _create_follow_ups(s, actor, contract, vendor_name, row, deadline, as_of)


def withdraw_decision(db: Database, actor: Actor, decision_id: int) -> None:
    """Take a decision back: the renewal is open again and its open follow-ups are dropped.
    The audit trail keeps the withdrawn decision."""
    require(db, actor, "renewals.decide", record_type="renewal_decision", record_id=decision_id)
    with db.write() as s:
        row, contract, vendor_name = _decision_and_contract(s, decision_id)
        _drop_open_follow_ups(s, actor, contract, vendor_name, row)
        audit.record(
            s,
            actor,
            "withdraw",
            "contract",
            contract.id,
            before=audit.snapshot(row),
            detail="decision withdrawn",
        )
        s.delete(row)
