"""Every table of Opsdesk, one class each, named after DESIGN.md's domain vocabulary.

Money columns use ``Money`` (exact Decimal) with an ISO 4217 currency beside them. Enumerated
values are plain strings guarded by CHECK constraints, so SQLite and Postgres agree and a
migration never has to alter a native enum. Editable records carry ``version`` for stale-edit
refusal: an update names the version it read and fails when another write came first.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    LargeBinary,
    MetaData,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from db.types import Money, utcnow

# Stable constraint names, so Alembic batch migrations on SQLite can find and alter them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

ROLES = ("va", "lead", "finance", "admin", "engineer")
VENDOR_CATEGORIES = (
    "llm_api",
    "ml_platform",
    "experiment_tracking",
    "data_labeling",
    "gpu_cloud",
    "monitoring",
    "data_warehouse",
    "other",
)
VENDOR_STATUSES = ("evaluating", "active", "offboarding", "retired")
CONTACT_ROLES = ("account_manager", "support", "billing", "other")
RENEWAL_TYPES = ("none", "auto", "manual")
BILLING_PERIODS = ("monthly", "quarterly", "yearly", "one_time")
TICKET_SEVERITIES = ("critical", "high", "medium", "low")
TICKET_STATUSES = ("open", "waiting_on_vendor", "waiting_on_us", "resolved", "closed")
ACTION_STATUSES = ("open", "in_progress", "waiting", "blocked", "done", "dropped")
ACTION_PRIORITIES = ("low", "medium", "high", "urgent")
AGENDA_STATUSES = ("open", "done", "dropped")
MEETING_STATUSES = ("scheduled", "cancelled", "done")
DECISIONS = ("renew", "renegotiate", "cancel")
BUDGET_SCOPES = ("team", "vendor")
BUDGET_PERIODS = ("monthly", "yearly")
BUDGET_COST_BASES = ("billed", "effective")  # which FOCUS cost a budget compares with
IMPORT_STATUSES = ("active", "replaced", "undone")
NOTIFICATION_STATUSES = ("queued", "sending", "sent", "failed", "cancelled")
CHANNELS = ("slack", "google_calendar")


def _one_of(column: str, values: tuple[str, ...], name: str | None = None) -> CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name or column)


def _money(nullable: bool = False) -> Decimal | None:
    return Field(default=None if nullable else Decimal("0"), sa_type=Money, nullable=nullable)  # type: ignore[no-any-return]


# --- people and access ---------------------------------------------------------------------


class Team(SQLModel, table=True):
    """A group of people; budgets and the review board are per team."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    archived: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)


class Person(SQLModel, table=True):
    """Someone who owns work or attends meetings: a team member or a vendor-side contact."""

    __table_args__ = (CheckConstraint("email <> ''", name="email_not_blank"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    email: str = Field(max_length=320, unique=True, index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    timezone: str | None = Field(default=None, max_length=64)
    # ISO 3166 code (optionally -subdivision) whose public holidays are this person's days off.
    country: str | None = Field(default=None, max_length=8)
    slack_user_id: str | None = Field(default=None, max_length=32)
    is_internal: bool = Field(default=True)
    is_lead: bool = Field(default=False)
    archived: bool = Field(default=False)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    """A signed-in identity with a role; matched to a Person by email."""

    __table_args__ = (_one_of("role", ROLES),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    name: str | None = Field(default=None, max_length=200)
    role: str = Field(max_length=16)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# --- vendors -------------------------------------------------------------------------------


class Vendor(SQLModel, table=True):
    """An ML vendor the team buys from."""

    __table_args__ = (
        _one_of("category", VENDOR_CATEGORIES),
        _one_of("status", VENDOR_STATUSES),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    category: str = Field(default="other", max_length=32)
    status: str = Field(default="active", max_length=16)
    owner_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    website: str | None = Field(default=None, max_length=500)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class VendorAlias(SQLModel, table=True):
    """A name under which a vendor appears in billing rows (provider, publisher, issuer)."""

    id: int | None = Field(default=None, primary_key=True)
    vendor_id: int = Field(foreign_key="vendor.id", index=True, ondelete="CASCADE")
    alias: str = Field(max_length=200, unique=True)  # stored casefolded and trimmed


class VendorContact(SQLModel, table=True):
    """A person at the vendor: account manager, support or billing."""

    __table_args__ = (_one_of("role", CONTACT_ROLES),)

    id: int | None = Field(default=None, primary_key=True)
    vendor_id: int = Field(foreign_key="vendor.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320)
    role: str = Field(default="account_manager", max_length=32)
    phone: str | None = Field(default=None, max_length=64)


class Contract(SQLModel, table=True):
    """An agreement with a vendor; its term end and cancellation deadline are computed."""

    __table_args__ = (
        _one_of("renewal_type", RENEWAL_TYPES),
        _one_of("billing_period", BILLING_PERIODS),
        CheckConstraint("initial_term_months > 0", name="initial_term_positive"),
        CheckConstraint("notice_days >= 0", name="notice_days_not_negative"),
        CheckConstraint(
            "renewal_type <> 'auto' OR renewal_period_months > 0", name="auto_needs_period"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    vendor_id: int = Field(foreign_key="vendor.id", index=True)
    title: str = Field(max_length=200)
    start_date: date
    initial_term_months: int
    renewal_type: str = Field(default="none", max_length=8)
    renewal_period_months: int | None = Field(default=None)
    notice_days: int = Field(default=0)
    value: Decimal | None = _money(nullable=True)
    currency: str = Field(default="USD", max_length=3)
    billing_period: str = Field(default="yearly", max_length=16)
    committed_amount: Decimal | None = _money(nullable=True)
    prepaid_amount: Decimal | None = _money(nullable=True)
    owner_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    document_url: str | None = Field(default=None, max_length=500)
    sla_hours: int | None = Field(default=None)
    escalation_path: str | None = Field(default=None, sa_column=Column(Text))
    previous_contract_id: int | None = Field(default=None, foreign_key="contract.id")
    cancelled: bool = Field(default=False)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ContractAmendment(SQLModel, table=True):
    """A change to a contract, kept as history and never overwritten."""

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    effective_date: date
    summary: str = Field(sa_column=Column(Text, nullable=False))
    value_change: Decimal | None = _money(nullable=True)
    created_by: str = Field(max_length=320)
    created_at: datetime = Field(default_factory=utcnow)


class RenewalDecision(SQLModel, table=True):
    """What was decided for one term end of a contract, by whom."""

    __table_args__ = (
        _one_of("decision", DECISIONS),
        UniqueConstraint("contract_id", "term_end", name="uq_renewaldecision_term"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    term_end: date
    decision: str = Field(max_length=16)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    decided_by: str = Field(max_length=320)
    decided_at: datetime = Field(default_factory=utcnow)


class SeatPool(SQLModel, table=True):
    """Licence seats of one product bought from a vendor."""

    __table_args__ = (
        _one_of("billing_period", BILLING_PERIODS),
        CheckConstraint("seats_purchased >= 0", name="purchased_not_negative"),
        CheckConstraint("seats_assigned >= 0", name="assigned_not_negative"),
        CheckConstraint("seats_active_30d >= 0", name="active_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    vendor_id: int = Field(foreign_key="vendor.id", index=True)
    contract_id: int | None = Field(default=None, foreign_key="contract.id", index=True)
    product: str = Field(max_length=200)
    seats_purchased: int = Field(default=0)
    seats_assigned: int = Field(default=0)
    seats_active_30d: int = Field(default=0)
    unit_price: Decimal = _money()  # type: ignore[assignment]
    currency: str = Field(default="USD", max_length=3)
    billing_period: str = Field(default="monthly", max_length=16)
    low_free_seats: int = Field(default=2)
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow)


class SupportTicket(SQLModel, table=True):
    """A support case opened with a vendor, tracked against the contract's SLA."""

    __table_args__ = (
        _one_of("severity", TICKET_SEVERITIES),
        _one_of("status", TICKET_STATUSES),
        UniqueConstraint("vendor_id", "vendor_ticket_id", name="uq_supportticket_vendor_ref"),
    )

    id: int | None = Field(default=None, primary_key=True)
    vendor_id: int = Field(foreign_key="vendor.id", index=True)
    contract_id: int | None = Field(default=None, foreign_key="contract.id", index=True)
    vendor_ticket_id: str = Field(max_length=100)
    title: str = Field(max_length=300)
    severity: str = Field(default="medium", max_length=16)
    status: str = Field(default="open", max_length=24, index=True)
    opened_at: datetime
    last_vendor_update_at: datetime | None = Field(default=None)
    owner_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow)


# --- meetings and action items -------------------------------------------------------------


class AgendaTemplate(SQLModel, table=True):
    """Agenda items to pre-fill a meeting with; built-in or made by a user."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    items: str = Field(sa_column=Column(Text, nullable=False))  # one agenda item per line
    builtin: bool = Field(default=False)


class MeetingSeries(SQLModel, table=True):
    """A recurring meeting: an RFC 5545 rule expanded in the series' time zone."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    rrule: str = Field(max_length=500)
    first_starts_at: datetime  # first occurrence; later ones keep its wall-clock time in `timezone`
    timezone: str = Field(max_length=64)
    duration_minutes: int = Field(default=30)
    organizer_id: int | None = Field(default=None, foreign_key="person.id")
    vendor_id: int | None = Field(default=None, foreign_key="vendor.id", index=True)
    contract_id: int | None = Field(default=None, foreign_key="contract.id")
    template_id: int | None = Field(default=None, foreign_key="agendatemplate.id")
    archived: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)


class Meeting(SQLModel, table=True):
    """One meeting: a one-off or an occurrence of a series."""

    __table_args__ = (
        _one_of("status", MEETING_STATUSES),
        UniqueConstraint("series_id", "starts_at", name="uq_meeting_occurrence"),
        Index("ix_meeting_starts_at", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    series_id: int | None = Field(default=None, foreign_key="meetingseries.id", index=True)
    title: str = Field(max_length=200)
    starts_at: datetime
    duration_minutes: int = Field(default=30)
    timezone: str = Field(default="UTC", max_length=64)
    location: str | None = Field(default=None, max_length=500)
    organizer_id: int | None = Field(default=None, foreign_key="person.id")
    vendor_id: int | None = Field(default=None, foreign_key="vendor.id", index=True)
    contract_id: int | None = Field(default=None, foreign_key="contract.id", index=True)
    status: str = Field(default="scheduled", max_length=16)
    minutes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class MeetingAttendee(SQLModel, table=True):
    """Someone invited to a meeting: a Person or an outside email."""

    __table_args__ = (UniqueConstraint("meeting_id", "email", name="uq_meetingattendee_email"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    email: str = Field(max_length=320)


class AgendaItem(SQLModel, table=True):
    """A topic of a meeting with its minutes and decision; may be carried to the next one."""

    __table_args__ = (_one_of("status", AGENDA_STATUSES),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    position: int = Field(default=0)
    title: str = Field(max_length=300)
    details: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    minutes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    decision: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    status: str = Field(default="open", max_length=16)
    carried_from_id: int | None = Field(default=None, foreign_key="agendaitem.id")
    carry_count: int = Field(default=0)
    version: int = Field(default=1)


class ActionItem(SQLModel, table=True):
    """A follow-up with an owner and a due date, linked to where it came from."""

    __table_args__ = (
        _one_of("status", ACTION_STATUSES),
        _one_of("priority", ACTION_PRIORITIES),
        Index("ix_actionitem_owner_status_due", "owner_id", "status", "due_date"),
        Index("ix_actionitem_status_due", "status", "due_date"),
        # The review board's completion rate: the few items done in the last eight weeks,
        # without reading every done item.
        Index("ix_actionitem_status_completed", "status", "completed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    owner_id: int | None = Field(default=None, foreign_key="person.id")
    due_date: date | None = Field(default=None)
    status: str = Field(default="open", max_length=16)
    priority: str = Field(default="medium", max_length=8)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    agenda_item_id: int | None = Field(default=None, foreign_key="agendaitem.id")
    vendor_id: int | None = Field(default=None, foreign_key="vendor.id", index=True)
    contract_id: int | None = Field(default=None, foreign_key="contract.id", index=True)
    ticket_id: int | None = Field(default=None, foreign_key="supportticket.id")
    carried_from_meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    carry_count: int = Field(default=0)
    snoozed_until: date | None = Field(default=None)
    completed_at: datetime | None = Field(default=None)
    created_by: str = Field(default="", max_length=320)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# --- spend ---------------------------------------------------------------------------------


class Budget(SQLModel, table=True):
    """A spending limit for a team or a vendor per month or year, with alert thresholds."""

    __table_args__ = (
        _one_of("scope", BUDGET_SCOPES),
        _one_of("period", BUDGET_PERIODS),
        _one_of("cost_basis", BUDGET_COST_BASES),
        CheckConstraint(
            "(scope = 'team' AND team_id IS NOT NULL AND vendor_id IS NULL) OR "
            "(scope = 'vendor' AND vendor_id IS NOT NULL AND team_id IS NULL)",
            name="scope_target",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    scope: str = Field(max_length=8)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    vendor_id: int | None = Field(default=None, foreign_key="vendor.id", index=True)
    period: str = Field(default="monthly", max_length=8)
    amount: Decimal = _money()  # type: ignore[assignment]
    currency: str = Field(default="USD", max_length=3)
    thresholds: str = Field(default="50,75,90,100", max_length=100)  # percent, comma separated
    starts_on: date  # first day of the first period the budget applies to
    # What the budget compares: the invoices (billed) unless the budget says effective cost.
    cost_basis: str = Field(
        default="billed", max_length=10, sa_column_kwargs={"server_default": "billed"}
    )
    archived: bool = Field(default=False)
    version: int = Field(default=1)


class ColumnMapping(SQLModel, table=True):
    """A saved mapping from an arbitrary CSV's columns to cost-line fields."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    spec: str = Field(sa_column=Column(Text, nullable=False))  # JSON: field -> column, options
    created_by: str = Field(max_length=320)
    created_at: datetime = Field(default_factory=utcnow)


class BillingImport(SQLModel, table=True):
    """One imported billing file: what it held, who imported it, and whether it still counts."""

    __table_args__ = (
        _one_of("status", IMPORT_STATUSES),
        Index("ix_billingimport_sha_status", "sha256", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    filename: str = Field(max_length=500)
    format: str = Field(max_length=16)
    sha256: str = Field(max_length=64)
    slice_key: str = Field(default="", max_length=500, index=True)  # account + billing periods
    status: str = Field(default="active", max_length=16)
    rows_read: int = Field(default=0)
    rows_imported: int = Field(default=0)
    rows_replaced: int = Field(default=0)
    rows_rejected: int = Field(default=0)
    replaced_by_id: int | None = Field(default=None, foreign_key="billingimport.id")
    mapping_id: int | None = Field(default=None, foreign_key="columnmapping.id")
    imported_by: str = Field(max_length=320)
    imported_at: datetime = Field(default_factory=utcnow)


class CostLine(SQLModel, table=True):
    """One billing row, normalised to FOCUS column meanings."""

    __table_args__ = (Index("ix_costline_import_row", "import_id", "row_number"),)

    id: int | None = Field(default=None, primary_key=True)
    import_id: int = Field(foreign_key="billingimport.id", ondelete="CASCADE")
    row_number: int
    provider: str = Field(default="", max_length=200)
    publisher: str = Field(default="", max_length=200)
    invoice_issuer: str = Field(default="", max_length=200)
    billing_account_id: str = Field(default="", max_length=200)
    sub_account_id: str = Field(default="", max_length=200)
    billing_period_start: date
    charge_period_start: datetime
    charge_period_end: datetime | None = Field(default=None)
    charge_category: str = Field(default="Usage", max_length=32)
    service_name: str = Field(default="", max_length=300)
    region: str = Field(default="", max_length=100)
    resource_id: str = Field(default="", max_length=500)
    sku_id: str = Field(default="", max_length=200)
    billed_cost: Decimal = _money()  # type: ignore[assignment]
    effective_cost: Decimal = _money()  # type: ignore[assignment]
    list_cost: Decimal | None = _money(nullable=True)
    currency: str = Field(max_length=3)
    team: str = Field(default="", max_length=200)
    tags: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class CostRollup(SQLModel, table=True):
    """Daily totals per import, source name, service, team and currency: what charts read."""

    # A slice (billing account, billing period) of an import is what replacing and undoing
    # imports look up. Each import's rollups are grouped by their whole key before they are
    # written, so they are unique by construction; a unique index over all ten key columns cost
    # a third of writing them (tests/test_billing_import.py checks the keys stay unique).
    __table_args__ = (
        Index("ix_costrollup_slice", "import_id", "billing_account_id", "billing_period_start"),
        Index("ix_costrollup_day", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    import_id: int = Field(foreign_key="billingimport.id", ondelete="CASCADE")
    # The slice a newer export replaces: rollups of a replaced slice are deleted with its lines.
    billing_account_id: str = Field(default="", max_length=200)
    billing_period_start: date
    day: date  # UTC date of ChargePeriodStart
    provider: str = Field(default="", max_length=200)
    source_name: str = Field(max_length=200)  # publisher or provider, matched to vendor aliases
    invoice_issuer: str = Field(default="", max_length=200)  # matched when the names above miss
    service_name: str = Field(default="", max_length=300)
    team: str = Field(default="", max_length=200)
    currency: str = Field(max_length=3)
    billed_cost: Decimal = _money()  # type: ignore[assignment]
    effective_cost: Decimal = _money()  # type: ignore[assignment]
    line_count: int = Field(default=0)


# --- reminders, outbox, audit --------------------------------------------------------------


class ReminderRule(SQLModel, table=True):
    """When and where to remind about a kind of record; a record-level rule overrides."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, index=True)
    offsets_days: str = Field(default="", max_length=200)  # comma separated, before the date
    channel: str = Field(default="slack", max_length=32)
    channel_target: str | None = Field(default=None, max_length=100)  # Slack channel id
    recipients: str = Field(default="", max_length=2000)  # comma separated emails
    record_type: str | None = Field(default=None, max_length=32)
    record_id: int | None = Field(default=None)
    enabled: bool = Field(default=True)


class Notification(SQLModel, table=True):
    """The outbox: one row per message or calendar change, delivered by the worker."""

    __table_args__ = (
        _one_of("status", NOTIFICATION_STATUSES),
        _one_of("channel", CHANNELS),
        Index("ix_notification_status_next", "status", "next_attempt_at"),
        Index("ix_notification_record", "record_type", "record_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=500, unique=True)
    kind: str = Field(max_length=32)
    record_type: str = Field(max_length=32)
    record_id: int
    occurrence: str = Field(max_length=100)
    channel: str = Field(max_length=16)
    recipient: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    status: str = Field(default="queued", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    lease_until: datetime | None = Field(default=None)
    claimed_by: str | None = Field(default=None, max_length=100)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    external_id: str | None = Field(default=None, max_length=1024)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = Field(default=None)


class IntegrationState(SQLModel, table=True):
    """Connection state of Slack or Google: off, connected, disconnected, reconnect_needed."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=32, unique=True)
    state: str = Field(default="off", max_length=32)
    reason: str | None = Field(default=None, sa_column=Column(Text))
    paused_until: datetime | None = Field(default=None)
    updated_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """An append-only record of a change, import, decision, send or refused access."""

    __table_args__ = (
        Index("ix_auditevent_at", "at"),
        Index("ix_auditevent_record", "record_type", "record_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=320)
    action: str = Field(max_length=32)
    record_type: str = Field(max_length=32)
    record_id: str | None = Field(default=None, max_length=64)
    before: str | None = Field(default=None, sa_column=Column(Text))  # JSON
    after: str | None = Field(default=None, sa_column=Column(Text))  # JSON
    detail: str | None = Field(default=None, sa_column=Column(Text))


# --- governance: models, cards, deployments, experiment reports (issue 17) -----------------
# Issue 18 (obligations, incidents, drift policies, Annex IV) builds on these tables: add
# columns, never rename them.

MODEL_STATUSES = ("development", "staging", "production", "retired")
MODEL_SOURCES = ("in_house", "vendor_model", "vendor_api")
RISK_CLASSES = ("unassessed", "prohibited", "high", "limited", "minimal")
AI_ACT_ROLES = ("provider", "deployer", "importer", "distributor")
CARD_STATUSES = ("draft", "published")
DEPLOYMENT_SOURCES = ("manual", "mlflow", "import")
REPORT_STATUSES = ("draft", "signed_off")
REPORT_SOURCES = ("mlflow", "csv", "manual")
OPERATIONS_SOURCES = ("manual", "csv", "mlflow")
COST_MATCH_KINDS = ("tag", "resource_id", "service_name")
SYNC_STATUSES = ("running", "succeeded", "failed")


class Model(SQLModel, table=True):
    """A model or AI system in the inventory: owner, origin, EU AI Act risk class and role."""

    __table_args__ = (
        _one_of("status", MODEL_STATUSES),
        _one_of("source", MODEL_SOURCES),
        _one_of("risk_class", RISK_CLASSES),
        _one_of("ai_act_role", AI_ACT_ROLES),
        CheckConstraint("name <> ''", name="name_not_blank"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    purpose: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    owner_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    documentation_owner_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    status: str = Field(default="development", max_length=16, index=True)
    source: str = Field(default="in_house", max_length=16)
    vendor_id: int | None = Field(default=None, foreign_key="vendor.id", index=True)
    contract_id: int | None = Field(default=None, foreign_key="contract.id", index=True)
    hosting_vendor_id: int | None = Field(default=None, foreign_key="vendor.id", index=True)
    risk_class: str = Field(default="unassessed", max_length=16)
    general_purpose: bool = Field(default=False)
    ai_act_role: str = Field(default="deployer", max_length=16)
    # The registered model in MLflow this record follows; NULL when kept by hand.
    mlflow_name: str | None = Field(default=None, max_length=500, unique=True)
    # MLflow aliases that mean "live in production" / "in staging" for deployment history.
    production_alias: str = Field(default="champion", max_length=100)
    staging_alias: str = Field(default="challenger", max_length=100)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    tags: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    mlflow_updated_at: datetime | None = Field(default=None)
    synced_at: datetime | None = Field(default=None)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ModelVersion(SQLModel, table=True):
    """One version of a model, with the run it came from and that run's metrics."""

    __table_args__ = (
        UniqueConstraint("model_id", "number", name="uq_modelversion_number"),
        CheckConstraint("number > 0", name="number_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    model_id: int = Field(foreign_key="model.id", index=True)
    number: int  # MLflow's version number (1, 2, ...)
    run_id: str | None = Field(default=None, max_length=64, index=True)
    source_uri: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    status: str = Field(default="READY", max_length=32)  # MLflow's registration status
    registered_by: str = Field(default="", max_length=320)
    tags: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    params: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    metrics: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    registered_at: datetime = Field(default_factory=utcnow)
    mlflow_updated_at: datetime | None = Field(default=None)
    synced_at: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)


class ModelCard(SQLModel, table=True):
    """A model card: number 0 is the one draft per model; 1, 2, ... are published and never change.

    Fields follow the Hugging Face card metadata and the Model Card Toolkit schema; evaluation
    metrics per slice are ModelCardMetric rows.
    """

    __table_args__ = (
        _one_of("status", CARD_STATUSES),
        UniqueConstraint("model_id", "number", name="uq_modelcard_number"),
        CheckConstraint(
            "(status = 'draft' AND number = 0) OR (status = 'published' AND number > 0)",
            name="draft_is_number_zero",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    model_id: int = Field(foreign_key="model.id", index=True)
    number: int = Field(default=0)
    status: str = Field(default="draft", max_length=16)
    model_version_id: int | None = Field(default=None, foreign_key="modelversion.id")
    overview: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    intended_use: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    out_of_scope_use: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )
    training_data: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )
    lineage: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    base_model: str = Field(default="", max_length=300)
    limitations: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    tradeoffs: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    ethical_considerations: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )
    environment_compute: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )
    license: str = Field(default="", max_length=100)  # SPDX id or "other"
    review_by: date | None = Field(default=None)  # the card is stale after this day
    drafted_by: str = Field(default="", max_length=320)
    signed_off_by: str | None = Field(default=None, max_length=320)
    signed_off_at: datetime | None = Field(default=None)
    published_by: str | None = Field(default=None, max_length=320)
    published_at: datetime | None = Field(default=None)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ModelCardMetric(SQLModel, table=True):
    """One evaluation result on a card: a metric on a dataset split and slice (fairness)."""

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(foreign_key="modelcard.id", index=True, ondelete="CASCADE")
    position: int = Field(default=0)
    task: str = Field(default="", max_length=100)  # HF model-index task type
    dataset: str = Field(default="", max_length=200)
    split: str = Field(default="", max_length=100)
    slice: str = Field(default="", max_length=200)  # "" = overall
    metric: str = Field(max_length=100)
    value: float
    source_run_id: str | None = Field(default=None, max_length=64)


class Deployment(SQLModel, table=True):
    """A version live in an environment (or under an MLflow alias) from one moment to another."""

    __table_args__ = (
        _one_of("source", DEPLOYMENT_SOURCES),
        Index("ix_deployment_model_env_start", "model_id", "environment", "started_at"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ends_after_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    model_id: int = Field(foreign_key="model.id", index=True)
    model_version_id: int = Field(foreign_key="modelversion.id", index=True)
    environment: str = Field(max_length=100)  # production, staging, or an unmapped alias name
    alias: str | None = Field(default=None, max_length=100)  # the MLflow alias behind it
    started_at: datetime
    ended_at: datetime | None = Field(default=None)  # NULL while live
    started_by: str = Field(default="", max_length=320)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    approver: str | None = Field(default=None, max_length=320)
    ended_by: str | None = Field(default=None, max_length=320)
    end_reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    source: str = Field(default="manual", max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class ExperimentReport(SQLModel, table=True):
    """A saved comparison of chosen runs against the production version's run, with notes."""

    __table_args__ = (_one_of("status", REPORT_STATUSES), _one_of("source", REPORT_SOURCES))

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    model_id: int | None = Field(default=None, foreign_key="model.id", index=True)
    experiment: str = Field(default="", max_length=300)  # MLflow experiment id or name
    source: str = Field(default="manual", max_length=16)
    baseline_run_id: str | None = Field(default=None, max_length=64)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    status: str = Field(default="draft", max_length=16)
    created_by: str = Field(default="", max_length=320)
    signed_off_by: str | None = Field(default=None, max_length=320)
    signed_off_at: datetime | None = Field(default=None)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    agenda_item_id: int | None = Field(default=None, foreign_key="agendaitem.id")
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ExperimentRun(SQLModel, table=True):
    """A run as it was when put in a report: its parameters and latest metrics, frozen."""

    __table_args__ = (UniqueConstraint("report_id", "run_id", name="uq_experimentrun_run"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="experimentreport.id", index=True, ondelete="CASCADE")
    position: int = Field(default=0)
    run_id: str = Field(max_length=64)
    run_name: str = Field(default="", max_length=300)
    is_baseline: bool = Field(default=False)
    params: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    metrics: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    started_at: datetime | None = Field(default=None)


class ModelOperations(SQLModel, table=True):
    """Operations of a model over a period: inferences, latency, availability and errors."""

    __table_args__ = (
        _one_of("source", OPERATIONS_SOURCES),
        UniqueConstraint("model_id", "period_start", name="uq_modeloperations_period"),
        CheckConstraint("period_end >= period_start", name="period_order"),
        CheckConstraint("inference_count >= 0", name="inferences_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    model_id: int = Field(foreign_key="model.id", index=True)
    period_start: date
    period_end: date
    inference_count: int = Field(default=0)
    latency_p50_ms: float | None = Field(default=None)
    latency_p99_ms: float | None = Field(default=None)
    availability_pct: float | None = Field(default=None)
    error_rate_pct: float | None = Field(default=None)
    source: str = Field(default="manual", max_length=16)
    entered_by: str = Field(default="", max_length=320)
    created_at: datetime = Field(default_factory=utcnow)


class ModelCostSource(SQLModel, table=True):
    """A rule that attributes billing rows to a model: a tag value, resource id or service name."""

    __table_args__ = (
        _one_of("kind", COST_MATCH_KINDS),
        UniqueConstraint("model_id", "kind", "key", "value", name="uq_modelcostsource_rule"),
    )

    id: int | None = Field(default=None, primary_key=True)
    model_id: int = Field(foreign_key="model.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)
    key: str = Field(default="", max_length=200)  # the tag key for kind "tag"
    value: str = Field(max_length=500)
    share_pct: Decimal = Field(default=Decimal("100"), sa_type=Money)  # of each matched row


class SyncRun(SQLModel, table=True):
    """One run of an outside-system sync (MLflow): what it saw and changed, or why it failed."""

    __table_args__ = (_one_of("status", SYNC_STATUSES), Index("ix_syncrun_started", "started_at"))

    id: int | None = Field(default=None, primary_key=True)
    system: str = Field(default="mlflow", max_length=32)
    started_at: datetime
    finished_at: datetime | None = Field(default=None)
    status: str = Field(default="running", max_length=16)
    models_seen: int = Field(default=0)
    versions_seen: int = Field(default=0)
    changes: int = Field(default=0)
    error: str | None = Field(default=None, sa_column=Column(Text))
    actor: str = Field(default="", max_length=320)


class ContractSla(SQLModel, table=True):
    """Service levels a vendor contract promises for the model it covers (checked per period)."""

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", unique=True)
    availability_pct: float | None = Field(default=None)  # at least this much
    latency_p99_ms: float | None = Field(default=None)  # at most this
    error_rate_pct: float | None = Field(default=None)  # at most this


# --- governance: obligations, evidence, incidents, drift policies (issue 18) ----------------
# Governance records are never deleted, only archived (README, "Retention"): each carries
# ``archived_at`` and ``archived_by`` instead of a delete path.

OBLIGATION_STATUSES = ("open", "in_progress", "met", "not_applicable")
EVIDENCE_KINDS = ("file", "link")
INCIDENT_CATEGORIES = (
    "death",
    "critical_infrastructure",
    "widespread_infringement",
    "other_serious",
    "not_serious",
)
INCIDENT_SEVERITIES = ("low", "medium", "high", "critical")
INCIDENT_STATUSES = ("open", "investigating", "reported", "closed")
DRIFT_DIRECTIONS = ("above", "below")
DRIFT_ACTIONS = ("alert_only", "retrain", "roll_back", "suspend")
DRIFT_LEVELS = ("ok", "warning", "critical")
BREACH_SOURCES = ("manual", "csv", "mlflow")


class Obligation(SQLModel, table=True):
    """An EU AI Act duty of one system (from the catalogue), with its owner, dates and status."""

    __table_args__ = (
        _one_of("status", OBLIGATION_STATUSES),
        UniqueConstraint("model_id", "catalogue_key", name="uq_obligation_key"),
        Index("ix_obligation_status_due", "status", "due_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    model_id: int = Field(foreign_key="model.id", index=True)
    catalogue_key: str = Field(max_length=64)
    article: str = Field(max_length=40)
    title: str = Field(max_length=300)
    applies_from: date  # copied from the catalogue when assigned; dates move, so kept per row
    due_date: date
    owner_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    status: str = Field(default="open", max_length=16)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    recurrence_months: int | None = Field(default=None)
    evidence_valid_months: int | None = Field(default=None)
    retention_months: int = Field(default=120)
    archived_at: datetime | None = Field(default=None)
    archived_by: str | None = Field(default=None, max_length=320)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Evidence(SQLModel, table=True):
    """A file or link that shows an obligation is met: who added it, when, and until when."""

    __table_args__ = (
        _one_of("kind", EVIDENCE_KINDS),
        CheckConstraint(
            "(kind = 'link' AND url IS NOT NULL) OR (kind = 'file' AND content IS NOT NULL)",
            name="kind_has_content",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    obligation_id: int = Field(foreign_key="obligation.id", index=True)
    kind: str = Field(max_length=8)
    title: str = Field(max_length=300)
    url: str | None = Field(default=None, max_length=1000)
    file_name: str | None = Field(default=None, max_length=300)
    content_type: str | None = Field(default=None, max_length=100)
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    sha256: str | None = Field(default=None, max_length=64)
    added_by: str = Field(max_length=320)
    added_at: datetime = Field(default_factory=utcnow)
    expires_on: date | None = Field(default=None)
    archived_at: datetime | None = Field(default=None)
    archived_by: str | None = Field(default=None, max_length=320)


class Incident(SQLModel, table=True):
    """An AI incident; a serious one runs the Article 73 clocks from ``aware_at``."""

    __table_args__ = (
        _one_of("category", INCIDENT_CATEGORIES),
        _one_of("severity", INCIDENT_SEVERITIES),
        _one_of("status", INCIDENT_STATUSES),
        Index("ix_incident_status_aware", "status", "aware_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    category: str = Field(max_length=32)
    severity: str = Field(default="high", max_length=16)
    status: str = Field(default="open", max_length=16)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    occurred_at: datetime | None = Field(default=None)
    aware_at: datetime  # when we became aware: every clock runs from here
    causal_link_at: datetime | None = Field(default=None)
    provider_notified_at: datetime | None = Field(default=None)
    initial_report_at: datetime | None = Field(default=None)
    complete_report_at: datetime | None = Field(default=None)
    owner_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    # The drafted Art. 26(5) notice to the provider, and who it is addressed to.
    notice_to: str | None = Field(default=None, max_length=320)
    notice_draft: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    ticket_id: int | None = Field(default=None, foreign_key="supportticket.id")
    review_meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    drift_policy_id: int | None = Field(default=None, foreign_key="driftpolicy.id")
    # Art. 73(6): no change to the system while investigated, unless an admin releases the hold.
    evidence_hold: bool = Field(default=True)
    hold_released_at: datetime | None = Field(default=None)
    hold_released_by: str | None = Field(default=None, max_length=320)
    hold_release_reason: str | None = Field(default=None, sa_column=Column(Text))
    closed_at: datetime | None = Field(default=None)
    closed_by: str | None = Field(default=None, max_length=320)
    created_by: str = Field(default="", max_length=320)
    archived_at: datetime | None = Field(default=None)
    archived_by: str | None = Field(default=None, max_length=320)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class IncidentModel(SQLModel, table=True):
    """A model involved in an incident."""

    incident_id: int = Field(foreign_key="incident.id", primary_key=True)
    model_id: int = Field(foreign_key="model.id", primary_key=True, index=True)


class IncidentVendor(SQLModel, table=True):
    """A vendor involved in an incident (the provider of a bought model, a host)."""

    incident_id: int = Field(foreign_key="incident.id", primary_key=True)
    vendor_id: int = Field(foreign_key="vendor.id", primary_key=True, index=True)


class DriftPolicy(SQLModel, table=True):
    """What to watch on a model, the thresholds, the action on a breach, and who owns it."""

    __table_args__ = (
        _one_of("direction", DRIFT_DIRECTIONS),
        _one_of("action", DRIFT_ACTIONS),
        UniqueConstraint("model_id", "metric", name="uq_driftpolicy_metric"),
    )

    id: int | None = Field(default=None, primary_key=True)
    model_id: int = Field(foreign_key="model.id", index=True)
    metric: str = Field(max_length=200)
    direction: str = Field(default="above", max_length=8)
    warning_threshold: float
    critical_threshold: float
    action: str = Field(default="alert_only", max_length=16)
    owner_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    approver_id: int | None = Field(default=None, foreign_key="person.id")
    runbook_url: str | None = Field(default=None, max_length=1000)
    review_by: date | None = Field(default=None)
    archived_at: datetime | None = Field(default=None)
    archived_by: str | None = Field(default=None, max_length=320)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class DriftBreach(SQLModel, table=True):
    """A reading past a policy's threshold, and the action item or incident it opened."""

    __table_args__ = (
        _one_of("level", DRIFT_LEVELS),
        _one_of("source", BREACH_SOURCES),
        UniqueConstraint("policy_id", "observed_at", name="uq_driftbreach_reading"),
    )

    id: int | None = Field(default=None, primary_key=True)
    policy_id: int = Field(foreign_key="driftpolicy.id", index=True)
    observed_at: datetime
    value: float
    level: str = Field(max_length=8)
    source: str = Field(default="manual", max_length=8)
    action_item_id: int | None = Field(default=None, foreign_key="actionitem.id")
    incident_id: int | None = Field(default=None, foreign_key="incident.id")
    recorded_by: str = Field(default="", max_length=320)
    created_at: datetime = Field(default_factory=utcnow)


class GovernanceReview(SQLModel, table=True):
    """Marks a meeting series as the governance review, whose agendas are filled from records."""

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="meetingseries.id", unique=True)
    created_by: str = Field(default="", max_length=320)
    created_at: datetime = Field(default_factory=utcnow)


# The database refuses UPDATE and DELETE of audit events (triggers created with the table).
import db.append_only  # noqa: E402
import db.card_guard  # noqa: E402, F401  (published model cards refuse UPDATE)
